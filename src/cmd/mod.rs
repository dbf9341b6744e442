//! One file per subcommand: its help text, its arguments, and `run`, which calls one
//! library function with typed inputs, prints, and maps the outcome to an exit code. A
//! command imports no other command (tests/house.rs checks it): what two share lives in the
//! library.

pub mod approve;
pub mod auth;
pub mod cancel;
pub mod keygen;
pub mod plan;
pub mod retry;
pub mod sandbox;
pub mod status;
pub mod submit;
pub mod template;
pub mod validate;

/// How a command ended, for the exit code (architecture.md §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every row VALID (validate) or SUCCESS/PENDING (submit).
    AllGood,
    /// The run finished and some rows are INVALID, FAILED or NOT_SENT.
    SomeRowsBad,
    /// Some rows are UNKNOWN, or the run was interrupted.
    Unsettled,
}

impl From<crate::report::Ending> for Exit {
    fn from(ending: crate::report::Ending) -> Exit {
        use crate::report::Ending;
        match ending {
            Ending::AllGood => Exit::AllGood,
            Ending::SomeRowsBad => Exit::SomeRowsBad,
            Ending::Unsettled => Exit::Unsettled,
        }
    }
}

impl Exit {
    pub fn exit_code(self) -> u8 {
        match self {
            Exit::AllGood => 0,
            Exit::SomeRowsBad => 1,
            Exit::Unsettled => 3,
        }
    }
}
