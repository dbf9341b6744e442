//! The results file and the summary: what a person reads to fix their sheet, and what
//! scripts read to know what happened (architecture.md §4.2, a contract).

pub mod codes;
pub mod outputs;
mod results;
mod results_file;
pub mod retry;
mod retry_file;
mod summary;

pub use outputs::{csv_style, results_path};
pub use results::{
    CsvStyle, MAX_WIDTH, ResultsWriter, RowResult, RunFacts, check_capacity, check_report_name,
    check_report_path, neutralize, original_width, retry_advice,
};
pub use results_file::ResultsFile;
pub use retry_file::{Retried, write_retry_sheet};
pub use summary::{PlanNote, Requests, Summary, Tally, format_money};

/// A row's state in the results file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Valid,
    Invalid,
    NotSent,
    Pending,
    Success,
    Failed,
    Unknown,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Valid,
        Status::Invalid,
        Status::NotSent,
        Status::Pending,
        Status::Success,
        Status::Failed,
        Status::Unknown,
    ];

    /// The status a results file spells `s` (as [`Status::as_str`] writes it).
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "VALID",
            Status::Invalid => "INVALID",
            Status::NotSent => "NOT_SENT",
            Status::Pending => "PENDING",
            Status::Success => "SUCCESS",
            Status::Failed => "FAILED",
            Status::Unknown => "UNKNOWN",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a run ended as a whole, from its rows: what the commands turn into their exit code
/// (architecture.md §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Every row VALID, SUCCESS or PENDING.
    AllGood,
    /// The run finished and some rows are INVALID, FAILED or NOT_SENT.
    SomeRowsBad,
    /// Some rows are UNKNOWN, or the run was interrupted.
    Unsettled,
}

impl Summary {
    /// How the run these counts describe ended; `interrupted` when it was stopped before it
    /// finished (a signal, a fault), whatever its rows say.
    pub fn ending(&self, interrupted: bool) -> Ending {
        if interrupted || self.count(Status::Unknown) > 0 {
            Ending::Unsettled
        } else if [Status::Invalid, Status::Failed, Status::NotSent]
            .iter()
            .any(|s| self.count(*s) > 0)
        {
            Ending::SomeRowsBad
        } else {
            Ending::AllGood
        }
    }
}

/// The columns the tool appends after the sheet's own, in order.
pub const RESULT_COLUMNS: [&str; 8] = [
    "result_row",
    "result_status",
    "result_error_code",
    "result_error_message",
    "result_reference",
    "result_link",
    "result_utr",
    "result_retry",
];
