//! Writing the results file: every input row in order with its original cells, then the
//! `result_*` columns. Written to a temporary file in the destination folder and renamed into
//! place, so a crash never leaves half a file.
//!
//! An XLSX results file is a workbook a person acts on at a glance (architecture.md §4.2): the rows sheet
//! first (scripts read it), its header bold, frozen and filtered, its columns as wide as their
//! content (at most [`MAX_WIDTH`]), each `result_status` cell coloured; then a `Summary`
//! sheet. `--report` writes the same workbook whatever the results format.
//!
//! The rows sheet is streamed (rust_xlsxwriter's constant-memory mode: a row goes to disk as
//! soon as the next one starts), yet its widths fit the whole sheet: the widest text of each
//! column is kept as the rows pass, and the widths are set when the workbook is saved, which
//! is when rust_xlsxwriter writes a streamed sheet's `<cols>` (and its `<autoFilter>`). Nothing
//! is read twice and nothing is held per row.
//!
//! The files, one noun each: [`row`] the tool's columns of a row; [`writer`] the results file
//! and its report; [`csv_file`] and [`csv_out`] the CSV results, [`syncer`] their syncing as
//! they grow; [`book`] the workbook and its looks, [`summary_sheet`] its Summary
//! sheet; [`cell`] a cell on its way out (masked, never a formula,
//! cut to fit); [`destination`] what is checked of the paths and sizes before a run.

mod book;
mod cell;
mod csv_file;
mod csv_out;
mod destination;
mod row;
mod summary_sheet;
mod syncer;
mod writer;

pub use book::MAX_WIDTH;
pub use cell::neutralize;
pub use csv_out::CsvStyle;
pub use destination::{check_capacity, check_report_name, check_report_path};
pub use row::{RowResult, original_width, retry_advice};
pub use summary_sheet::RunFacts;
pub use writer::ResultsWriter;
