//! `payu-bulk`: pay people from a spreadsheet through PayU.
//!
//! Data flows one way: [`sheet`] reads a CSV or XLSX file into raw rows of text cells,
//! [`rows`] maps the headers onto one of the three sheet kinds, [`validate`] checks every
//! row offline, and [`report`] writes the results file and the summary. The commands in
//! [`cmd`] wire those steps together; the binary only parses flags and maps errors to exit
//! codes.

pub mod client;
pub mod cmd;
pub mod config;
pub mod error;
pub mod journal;
pub mod payu;
pub mod plan;
pub mod report;
pub mod rows;
pub mod sandbox;
pub mod sheet;
pub mod submit;
pub mod validate;

pub use error::Error;
