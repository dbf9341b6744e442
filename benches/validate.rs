//! Throughput of `validate` end to end (read, check, write the results file) on generated
//! payout sheets: 1,000,000 rows of CSV and 100,000 rows of XLSX, and, as the floor for the
//! XLSX figure, calamine reading that workbook on its own. The README gives the numbers
//! measured and how to reproduce them.

use std::time::Duration;

use calamine::{DataType, Reader, Xlsx, open_workbook};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use payu_bulk::validate::{Input, run};

#[path = "support/generate.rs"]
mod generate;

fn args(sheet: std::path::PathBuf, out: std::path::PathBuf) -> Input {
    Input {
        sheet,
        kind: None,
        sheet_name: None,
        encoding: None,
        output: Some(out),
        summary_json: None,
        report: None,
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let csv_rows = 1_000_000u64;
    let xlsx_rows = 100_000u64;
    let csv = dir.path().join("payout.csv");
    let xlsx = dir.path().join("payout.xlsx");
    generate::write_csv(&csv, csv_rows).expect("write the CSV");
    generate::write_xlsx(&xlsx, xlsx_rows).expect("write the XLSX");

    let mut group = c.benchmark_group("validate");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(csv_rows));
    let a = args(csv.clone(), dir.path().join("payout.results.csv"));
    group.bench_function("csv_1m_rows", |b| {
        b.iter(|| run(&a).expect("validate runs"))
    });
    group.throughput(Throughput::Elements(xlsx_rows));
    let a = args(xlsx.clone(), dir.path().join("payout.results.xlsx"));
    group.bench_function("xlsx_100k_rows", |b| {
        b.iter(|| run(&a).expect("validate runs"))
    });
    // The floor under the line above: calamine alone opening the same workbook and
    // streaming every cell, with nothing checked and nothing written. No change to this
    // project's code can make `validate` on the XLSX faster than this.
    group.bench_function("xlsx_100k_rows_calamine_read_only", |b| {
        b.iter(|| read_every_cell(&xlsx))
    });
    group.finish();
}

/// Opens the workbook and streams every cell of its first sheet; returns the number of cells.
fn read_every_cell(path: &std::path::Path) -> u64 {
    let mut workbook: Xlsx<_> = open_workbook(path).expect("open the workbook");
    let name = workbook.sheet_names()[0].clone();
    let mut cells = workbook
        .worksheet_cells_reader(&name)
        .expect("the first sheet");
    let mut n = 0;
    while let Some(cell) = cells.next_cell().expect("a cell") {
        n += u64::from(!cell.get_value().is_empty());
    }
    n
}

criterion_group!(benches, bench);
criterion_main!(benches);
