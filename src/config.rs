//! The configuration file (TOML): for each environment, PayU's whole endpoint URLs (with
//! documented defaults, payu.md §1, §12.3, §15, §16.1), the merchant ids, and where each
//! secret is read from: an environment variable or a file, never the file itself. Plain
//! `http` is refused for any host but loopback, and a URL never carries a password.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Error;

/// Where the tool sends requests.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Env {
    Sandbox,
    Uat,
    Production,
}

/// Which Initiate Transfer a URL is: v1 takes the merchant id in header `payoutMerchantId`,
/// v2 in header `pid` (§1.1). PayU's test host documents v2 and its production host v1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentApi {
    V1,
    V2,
}

/// Every URL the flows call. Any of them can be set in the file; the rest are the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Endpoints {
    pub india_token: String,
    pub india_payment: String,
    pub india_payment_api: PaymentApi,
    pub india_list_transactions: String,
    pub india_cancel: String,
    pub india_account_detail: String,
    pub smart_send_link: String,
    pub smart_send_details: String,
    /// Cancel a link by `merchantRefId` (the docs' and OpenAPI's variant of §12.2).
    pub smart_send_cancel: String,
    /// Upload; process is this URL with `/{fileId}` added.
    pub smart_send_bulk_upload: String,
    /// Status is this URL with `/{fileId}` added (no `smartSend` in PayU's path).
    pub smart_send_bulk_status: String,
    /// PayU Europe's host: OAuth and payouts live under it.
    pub europe_host: String,
    pub chargeback_token: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints::for_env(Env::Uat)
    }
}

impl Endpoints {
    /// PayU's documented URLs for `env`; the sandbox's are on loopback and come from
    /// [`Endpoints::at_base`].
    pub fn for_env(env: Env) -> Endpoints {
        match env {
            Env::Uat => Endpoints {
                india_token: "https://uat-accounts.payu.in/oauth/token".into(),
                india_payment: "https://uatoneapi.payu.in/payout/v2/payment".into(),
                india_payment_api: PaymentApi::V2,
                india_list_transactions:
                    "https://uatoneapi.payu.in/payout/payment/listTransactions".into(),
                india_cancel: "https://uatoneapi.payu.in/payout/payment/cancel".into(),
                india_account_detail: "https://uatoneapi.payu.in/payout/merchant/getAccountDetail"
                    .into(),
                smart_send_link: "https://uatoneapi.payu.in/payout/v2/smartSend/link".into(),
                smart_send_details: "https://uatoneapi.payu.in/payout/merchant/smartSend/details"
                    .into(),
                smart_send_cancel: "https://uatoneapi.payu.in/payout/smartPay/cancel".into(),
                smart_send_bulk_upload:
                    "https://staging.payu.in/payout/v2/smartSend/bulkUpload/transfers".into(),
                smart_send_bulk_status: "https://staging.payu.in/payout/v2/bulkUpload/transfers"
                    .into(),
                europe_host: "https://secure.snd.payu.com".into(),
                chargeback_token: "https://chbuat.payu.in/api_auth".into(),
            },
            Env::Production => Endpoints {
                india_token: "https://accounts.payu.in/oauth/token".into(),
                india_payment: "https://payout.payumoney.com/payout/payment".into(),
                india_payment_api: PaymentApi::V1,
                india_list_transactions:
                    "https://payout.payumoney.com/payout/payment/listTransactions".into(),
                india_cancel: "https://payout.payumoney.com/payout/payment/cancel".into(),
                india_account_detail:
                    "https://payout.payumoney.com/payout/merchant/getAccountDetail".into(),
                smart_send_link: "https://payout.payumoney.com/payout/v2/smartSend/link".into(),
                smart_send_details:
                    "https://payout.payumoney.com/payout/merchant/smartSend/details".into(),
                smart_send_cancel: "https://payout.payumoney.com/payout/smartPay/cancel".into(),
                smart_send_bulk_upload:
                    "https://payout.payumoney.com/payout/v2/smartSend/bulkUpload/transfers".into(),
                smart_send_bulk_status:
                    "https://payout.payumoney.com/payout/v2/bulkUpload/transfers".into(),
                europe_host: "https://secure.payu.com".into(),
                chargeback_token: "https://bankportal.payu.in/api_auth".into(),
            },
            Env::Sandbox => Endpoints::at_base("http://127.0.0.1"),
        }
    }

    /// Every API on one host, under PayU's paths: the sandbox, or `--base-url`.
    pub fn at_base(base: &str) -> Endpoints {
        let base = base.trim_end_matches('/');
        Endpoints {
            india_token: format!("{base}/oauth/token"),
            india_payment: format!("{base}/payout/v2/payment"),
            india_payment_api: PaymentApi::V2,
            india_list_transactions: format!("{base}/payout/payment/listTransactions"),
            india_cancel: format!("{base}/payout/payment/cancel"),
            india_account_detail: format!("{base}/payout/merchant/getAccountDetail"),
            smart_send_link: format!("{base}/payout/v2/smartSend/link"),
            smart_send_details: format!("{base}/payout/merchant/smartSend/details"),
            smart_send_cancel: format!("{base}/payout/smartPay/cancel"),
            smart_send_bulk_upload: format!("{base}/payout/v2/smartSend/bulkUpload/transfers"),
            smart_send_bulk_status: format!("{base}/payout/v2/bulkUpload/transfers"),
            europe_host: base.to_owned(),
            chargeback_token: format!("{base}/api_auth"),
        }
    }

    fn urls(&self) -> [(&'static str, &str); 12] {
        [
            ("india_token", &self.india_token),
            ("india_payment", &self.india_payment),
            ("india_list_transactions", &self.india_list_transactions),
            ("india_cancel", &self.india_cancel),
            ("india_account_detail", &self.india_account_detail),
            ("smart_send_link", &self.smart_send_link),
            ("smart_send_details", &self.smart_send_details),
            ("smart_send_cancel", &self.smart_send_cancel),
            ("smart_send_bulk_upload", &self.smart_send_bulk_upload),
            ("smart_send_bulk_status", &self.smart_send_bulk_status),
            ("europe_host", &self.europe_host),
            ("chargeback_token", &self.chargeback_token),
        ]
    }

    /// Every URL is `https`, or `http` to a loopback host (a sandbox on this machine), and
    /// none carries a user name or password.
    pub fn check_transport(&self) -> Result<(), String> {
        for (name, url) in self.urls() {
            check_url(name, url)?;
        }
        Ok(())
    }
}

/// Whether `text` may be a PayU URL: `https://HOST/…`, or `http://` to a loopback IP literal
/// (127.0.0.0/8, `[::1]`) or exactly `localhost`, with no user name or password in it. The URL
/// is read by the `url` crate, as the HTTP client reads it, so that `http://localhost:80@evil/`
/// is seen as the host `evil` it really names. `what` names the config key or the flag in the
/// one-sentence refusal, which never repeats a password.
pub fn check_url(what: &str, text: &str) -> Result<(), String> {
    let shown = without_userinfo(text);
    let url = url::Url::parse(text.trim())
        .map_err(|e| format!("{what} = '{shown}' is not a URL ({e})"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "{what} = '{shown}': a PayU URL carries no user name or password; secrets are read from the environment or a file named in the config"
        ));
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(format!(
            "{what} = '{shown}': PayU is reached over https; plain http only to 127.0.0.0/8, [::1] or localhost"
        )),
    }
}

/// `text` with whatever stands before an `@` in its authority left out, so that an error
/// never repeats a password, whether or not `text` parses as a URL.
fn without_userinfo(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://…@{host}{tail}"),
        None => text.to_owned(),
    }
}

/// Where a secret is read from. The file never holds the secret itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// An environment variable that holds it.
    pub env: Option<String>,
    /// A file that holds it (one line; the line end is dropped).
    pub file: Option<PathBuf>,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Where it comes from, never what it is.
        match (&self.env, &self.file) {
            (Some(v), _) => write!(f, "Secret(env {v})"),
            (None, Some(p)) => write!(f, "Secret(file {})", p.display()),
            (None, None) => f.write_str("Secret(unset)"),
        }
    }
}

impl<'de> Deserialize<'de> for Secret {
    /// `{ env = "…" }` or `{ file = "…" }`. Anything else, a secret written in place above
    /// all, is refused with a message that does not repeat it (serde's own would).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Source {
            #[serde(default)]
            env: Option<String>,
            #[serde(default)]
            file: Option<PathBuf>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Source(Source),
            Other(serde::de::IgnoredAny),
        }
        match Form::deserialize(d)? {
            Form::Source(s) => Ok(Secret {
                env: s.env,
                file: s.file,
            }),
            Form::Other(_) => Err(serde::de::Error::custom(
                "a secret is never written into the configuration: name the environment variable \
                 (env = \"…\") or the file (file = \"…\") that holds it",
            )),
        }
    }
}

impl Secret {
    /// Reads the secret. The error names the variable or the file, never a value.
    pub fn resolve(&self) -> Result<String, String> {
        match (&self.env, &self.file) {
            (Some(_), Some(_)) => {
                Err("a secret comes from an environment variable or a file, not both".into())
            }
            (Some(var), None) => match std::env::var(var) {
                Ok(v) if !v.is_empty() => Ok(v),
                _ => Err(format!("the environment variable {var} is not set")),
            },
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read the secret file {}: {e}", path.display()))?;
                let value = text.trim_end_matches(['\r', '\n']).to_owned();
                if value.is_empty() {
                    return Err(format!("the secret file {} is empty", path.display()));
                }
                Ok(value)
            }
            (None, None) => Err("the secret names neither env nor file".into()),
        }
    }
}

/// A PayU India payout account: the password grant or the private client id grant.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct India {
    pub merchant_id: String,
    /// The password grant's public client id; PayU's test id by default (§2.1).
    #[serde(default)]
    pub public_client_id: Option<String>,
    #[serde(default)]
    pub username: Option<Secret>,
    #[serde(default)]
    pub password: Option<Secret>,
    /// The private client id grant (§2.2).
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_secret: Option<Secret>,
}

/// A PayU Europe POS and the shop it pays out from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Europe {
    pub pos_id: String,
    pub client_secret: Secret,
    pub shop_id: String,
}

/// The chargeback portal's login (§15.1).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chargeback {
    pub email: Secret,
    pub password: Secret,
}

/// One environment's accounts and URLs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    #[serde(default)]
    pub endpoints: Option<toml::Table>,
    #[serde(default)]
    pub india: Option<India>,
    #[serde(default)]
    pub europe: Option<Europe>,
    #[serde(default)]
    pub chargeback: Option<Chargeback>,
    /// Requests per second PayU allows this merchant (the limiter's default rate).
    #[serde(default)]
    pub rate: Option<u32>,
    /// Approved plans (architecture.md §7.3): who may sign plans, by name, with their public keys
    /// (`name = "ed25519:…"`, the line `payu-bulk keygen` prints).
    #[serde(default)]
    pub approvers: BTreeMap<String, String>,
    /// How many approvers other than the preparer must sign a plan (default 1).
    #[serde(default)]
    pub approvals_required: Option<u32>,
    /// `submit` refuses to send without an approved plan (`--plan`).
    #[serde(default)]
    pub require_plan: bool,
    /// How long a plan stays good after it is made, e.g. `24h` (the default) or `90m`.
    #[serde(default)]
    pub plan_ttl: Option<String>,
}

impl Environment {
    /// The URLs of `env`: PayU's defaults with what the file sets laid over them.
    pub fn endpoints(&self, env: Env) -> Result<Endpoints, String> {
        let mut table: toml::Table = toml::Table::try_from(DefaultsFor(env))
            .map_err(|e| format!("the default endpoints of {env:?} cannot be laid out: {e}"))?;
        if let Some(overrides) = &self.endpoints {
            for (k, v) in overrides {
                table.insert(k.clone(), v.clone());
            }
        }
        let endpoints: Endpoints = table
            .try_into()
            .map_err(|e: toml::de::Error| e.message().to_owned())?;
        endpoints.check_transport()?;
        Ok(endpoints)
    }
}

/// The defaults of one environment, as a table to lay the file's values over.
struct DefaultsFor(Env);

impl serde::Serialize for DefaultsFor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let e = Endpoints::for_env(self.0);
        let mut m = s.serialize_map(None)?;
        for (name, url) in e.urls() {
            m.serialize_entry(name, url)?;
        }
        m.serialize_entry(
            "india_payment_api",
            match e.india_payment_api {
                PaymentApi::V1 => "v1",
                PaymentApi::V2 => "v2",
            },
        )?;
        m.end()
    }
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The environment `submit` uses when `--env` does not say (architecture.md §4.1: else `sandbox`).
    #[serde(default)]
    pub env: Option<Env>,
    #[serde(default, rename = "environments")]
    pub environments: BTreeMap<Env, Environment>,
    /// How far back `submit` looks for the same payment under another reference (architecture.md
    /// §7.2), e.g. `"7d"` (the default) or `"36h"`; `"0"` turns the check off.
    #[serde(default)]
    pub repeat_window: Option<String>,
    /// How long PayU may take to show a payout it has (e.g. `"15m"`): a row sent without an
    /// answer is resent only when PayU still does not show it this long after its last send
    /// (architecture.md §3.1; `--visibility-window` overrides).
    #[serde(default)]
    pub visibility_window: Option<String>,
    /// `dashboard` (the default): transfers and links go through the approval flow set in
    /// PayU's dashboard; `skip`: they are sent with `disableApprovalFlow: true`.
    #[serde(default)]
    pub approval_flow: Option<ApprovalFlow>,
    /// The most one row may pay, per currency (`INR = 100000000`, `PLN = "5000000.00"`):
    /// over the built-in ceilings, which the README states. Read by [`Config::max_row_amount`].
    #[serde(default)]
    pub max_row_amount: BTreeMap<String, toml::Value>,
}

/// Whether PayU's maker/checker approval flow holds the run's payouts (§4.1, §14).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApprovalFlow {
    #[default]
    Dashboard,
    Skip,
}

impl Config {
    /// Reads and checks the file: unknown keys, a secret written into the file, and plain
    /// `http` to another machine all stop here, naming the file.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let config: Config = toml::from_str(&text).map_err(|e| {
            Error::format(
                path,
                format!("the configuration is not valid: {}", e.message()),
            )
        })?;
        if let Some(w) = &config.repeat_window {
            crate::controls::parse_window(w)
                .map_err(|why| Error::format(path, format!("repeat_window: {why}")))?;
        }
        config
            .max_row_amount()
            .map_err(|why| Error::format(path, format!("max_row_amount: {why}")))?;
        for (env, environment) in &config.environments {
            environment.endpoints(*env).map_err(|why| {
                Error::format(
                    path,
                    format!(
                        "[environments.{}.endpoints]: {why}",
                        format!("{env:?}").to_lowercase()
                    ),
                )
            })?;
            crate::plan::Policy::of(*env, Some(environment))
                .map_err(|why| Error::format(path, why))?;
        }
        Ok(config)
    }
}

impl Config {
    /// The per-row ceilings: the built-in ones, with the file's laid over them. An amount is
    /// an integer or a decimal string (a TOML float is binary, so it is refused).
    pub fn max_row_amount(
        &self,
    ) -> Result<Vec<(crate::validate::Currency, rust_decimal::Decimal)>, String> {
        use crate::validate::Currency;
        use rust_decimal::Decimal;
        let mut ceilings = crate::validate::default_max_row_amount();
        for (code, value) in &self.max_row_amount {
            let currency = Currency::from_code(code).ok_or_else(|| {
                format!("'{code}' is not a currency the tool pays in (INR, PLN, CZK, EUR)")
            })?;
            let amount = match value {
                toml::Value::Integer(i) => Decimal::from(*i),
                toml::Value::String(t) => t
                    .trim()
                    .parse::<Decimal>()
                    .map_err(|_| format!("{code} = '{t}' is not an amount"))?,
                _ => {
                    return Err(format!(
                        "{code} must be a whole number or a decimal string, e.g. {code} = \"5000000.00\""
                    ));
                }
            };
            if amount <= Decimal::ZERO {
                return Err(format!("{code} must be greater than 0"));
            }
            match ceilings.iter_mut().find(|(c, _)| *c == currency) {
                Some(slot) => slot.1 = amount,
                None => ceilings.push((currency, amount)),
            }
        }
        Ok(ceilings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, Error> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("payu-bulk.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(&path)
    }

    #[test]
    fn the_sample_config_loads() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/payu-bulk.toml"
        ))
        .unwrap();
        let config = load(&text).unwrap();
        assert_eq!(config.env, Some(Env::Uat));
        let uat = &config.environments[&Env::Uat];
        assert_eq!(uat.india.as_ref().unwrap().merchant_id, "1111123");
        assert_eq!(
            uat.endpoints(Env::Uat).unwrap().india_payment,
            "https://uatoneapi.payu.in/payout/v2/payment"
        );
        let production = config.environments[&Env::Production]
            .endpoints(Env::Production)
            .unwrap();
        assert_eq!(production.india_payment_api, PaymentApi::V1);
        let plans =
            crate::plan::Policy::of(Env::Production, config.environments.get(&Env::Production))
                .unwrap();
        assert!(plans.require_plan, "production needs an approved plan");
        assert_eq!(plans.approvals_required, 1);
        assert!(!config.environments[&Env::Uat].require_plan);
    }

    #[test]
    fn plan_settings_are_checked_when_the_file_loads() {
        let key = crate::plan::KeyFile::generate("asha").unwrap().public();
        let config = load(&format!(
            "[environments.sandbox]\napprovals_required = 2\nplan_ttl = \"90m\"\n[environments.sandbox.approvers]\nasha = \"{key}\"\n"
        ))
        .unwrap();
        let p =
            crate::plan::Policy::of(Env::Sandbox, config.environments.get(&Env::Sandbox)).unwrap();
        assert_eq!(p.approvers, vec![("asha".to_owned(), key)]);
        assert_eq!(p.approvals_required, 2);
        assert_eq!(p.ttl, std::time::Duration::from_secs(90 * 60));
        for (text, named) in [
            (
                "[environments.uat.approvers]\nasha = \"ed25519:nope\"\n",
                "approvers.asha",
            ),
            (
                "[environments.uat]\napprovals_required = 0\n",
                "approvals_required",
            ),
            ("[environments.uat]\nplan_ttl = \"soon\"\n", "plan_ttl"),
            (
                &format!("[environments.uat.approvers]\na = \"{key}\"\nb = \"{key}\"\n"),
                "the same key",
            ),
        ] {
            let err = load(text).unwrap_err().to_string();
            assert!(
                err.contains(named) && err.contains("payu-bulk.toml"),
                "{err}"
            );
        }
    }

    #[test]
    fn max_row_amount_lays_over_the_built_in_ceilings() {
        use crate::validate::Currency;
        use rust_decimal::Decimal;
        let config = load("[max_row_amount]\nPLN = 20000\nEUR = \"1500.50\"\n").unwrap();
        let ceilings = config.max_row_amount().unwrap();
        assert!(ceilings.contains(&(Currency::Pln, Decimal::from(20_000))));
        assert!(ceilings.contains(&(Currency::Eur, Decimal::new(150_050, 2))));
        assert!(ceilings.contains(&(Currency::Inr, Decimal::from(100_000_000))));
        for bad in ["USD = 5", "PLN = 1.5", "PLN = 0", "PLN = \"lots\""] {
            let err = load(&format!("[max_row_amount]\n{bad}\n"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("max_row_amount"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_secret_written_into_the_file_is_refused() {
        let err = load("[environments.uat.india]\nmerchant_id = \"1\"\npassword = \"hunter2\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("payu-bulk.toml") && err.contains("never written into the configuration"),
            "{err}"
        );
        assert!(
            !err.contains("hunter2"),
            "the value is never repeated: {err}"
        );
    }

    #[test]
    fn plain_http_only_to_loopback() {
        let allowed = |u: &str| check_url("x", u).is_ok();
        assert!(allowed("https://uatoneapi.payu.in/payout/v2/payment"));
        assert!(allowed("http://127.0.0.1:4000/oauth/token"));
        assert!(allowed("http://127.8.9.10/x"));
        assert!(allowed("http://localhost/x"));
        assert!(allowed("http://[::1]:8080/x"));
        for refused in [
            "http://payout.payumoney.com/payout/payment",
            "http://10.0.0.5/x",
            "ftp://example.com/x",
            "http://localhost:80@evil.example/",
            "http://localhost:80@192.0.2.2/",
            "http://[::1]@192.0.2.2:8080/",
            "http://127.0.0.1@192.0.2.2/",
            "http://localhost.evil.example/",
            "http://localhost./",
            "http://[::ffff:127.0.0.1]/",
            "https://user:hunter2@secure.payu.com/",
            "not a url",
        ] {
            let err = check_url("india_token", refused)
                .err()
                .unwrap_or_else(|| panic!("{refused} passed"));
            assert!(err.starts_with("india_token = '"), "{refused}: {err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
        let err = load(
            "[environments.uat.endpoints]\nindia_token = \"http://accounts.example/oauth/token\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("[environments.uat.endpoints]: india_token") && err.contains("https"),
            "{err}"
        );
        let config = load(
            "[environments.sandbox.endpoints]\nindia_token = \"http://127.0.0.1:9/oauth/token\"\n",
        )
        .unwrap();
        let e = config.environments[&Env::Sandbox]
            .endpoints(Env::Sandbox)
            .unwrap();
        assert_eq!(e.india_token, "http://127.0.0.1:9/oauth/token");
        assert_eq!(
            e.europe_host, "http://127.0.0.1",
            "the rest stay the defaults"
        );
    }

    #[test]
    fn a_password_in_a_url_is_never_repeated() {
        for text in [
            "https://user:SECRET@secure.payu.com/x",
            "http://user:SECRET@127.0.0.1/x",
            "https://user:SECRET@bad host/x",
            "https://:SECRET@[::1/x",
        ] {
            let err = check_url("--base-url", text).unwrap_err();
            assert!(!err.contains("SECRET"), "{text}: {err}");
            assert!(err.starts_with("--base-url = '"), "{err}");
        }
    }

    #[test]
    fn secrets_come_from_the_environment_or_a_file_and_never_show() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "s3cret\n").unwrap();
        let from_file = Secret {
            env: None,
            file: Some(file.clone()),
        };
        assert_eq!(from_file.resolve().unwrap(), "s3cret");
        assert!(!format!("{from_file:?}").contains("s3cret"));
        let unset = Secret {
            env: Some("PAYU_BULK_TEST_SURELY_UNSET_VARIABLE".into()),
            file: None,
        };
        assert_eq!(
            unset.resolve().unwrap_err(),
            "the environment variable PAYU_BULK_TEST_SURELY_UNSET_VARIABLE is not set"
        );
        let both = Secret {
            env: Some("X".into()),
            file: Some(file),
        };
        assert!(both.resolve().is_err());
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = load("[environments.uat.europe]\npos_id = \"1\"\nshop_id = \"s\"\nclient_secret = { env = \"E\" }\nsecret = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("secret"), "{err}");
    }
}
