//! `payu-bulk`: pay people from a spreadsheet through PayU, never a row twice, never a row
//! lost.
//!
//! Data flows one way, one module per step:
//!
//! ```text
//! sheet ─▶ rows ─▶ validate ─▶ payment ─▶ submit::plan ─▶ journal ─▶ submit (client) ─▶ reconcile ─▶ report
//! ```
//!
//! - [`sheet`] reads a CSV or XLSX file into raw rows of text cells; [`rows`] maps the headers
//!   onto one of the three kinds; [`validate`] checks every row offline and gives a verdict,
//!   and for a valid row its typed [`payment`] (after validation no cell is read again).
//! - [`submit`] turns each payment into its PayU request ([`submit::plan`]), claims it in
//!   the [`journal`] before the request leaves, sends it through [`client`] (one limiter,
//!   tokens, 429 pauses), asks PayU by reference about rows that got no answer, and polls
//!   the accepted ones. [`payu`] holds PayU's requests and answers as types, shared with the
//!   [`sandbox`], a local PayU.
//! - [`report`] writes the results file (one line per input row) and the summary, and reads
//!   it back for `status` and `cancel`; [`controls`] are the checks around money moving
//!   (balance, repeats, cancel, reversals); [`text`] shows cells back to people (card
//!   numbers masked, long values cut) and [`currency`] names the currencies paid in, for
//!   validation and report alike.
//! - [`cmd`] has one module per subcommand; [`config`] the environments and where secrets
//!   come from; [`error`] the errors that stop a run (exit 2).
//!
//! State: the journal owns what was ever sent; [`submit::Engine`] owns a row's send state
//! within a run; [`client::auth::Tokens`] the tokens; [`client::Transport`] the limiter.
//! The map in full (who owns what, where a change goes) is `docs/architecture.md`; PayU's
//! contract is `docs/payu.md`, the row rules `docs/rules.md`.

pub mod client;
pub mod cmd;
pub mod config;
pub mod controls;
pub mod currency;
pub mod error;
pub mod journal;
pub mod payment;
pub mod payu;
pub mod plan;
pub mod report;
pub mod rows;
pub mod sandbox;
pub mod session;
pub mod sheet;
pub mod status;
pub mod submit;
pub mod text;
pub mod validate;

pub use error::Error;
