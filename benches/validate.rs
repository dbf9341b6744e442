//! Throughput of `validate` end to end (read, check, write the results file) on generated
//! payout sheets: 1,000,000 rows of CSV and 100,000 rows of XLSX. The README gives the
//! numbers measured and how to reproduce them.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use payu_bulk::cmd::validate::{Args, check};

#[path = "support/generate.rs"]
mod generate;

fn args(sheet: std::path::PathBuf, out: std::path::PathBuf) -> Args {
    Args {
        sheet,
        kind: None,
        sheet_name: None,
        encoding: None,
        output: Some(out),
        summary_json: None,
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
        b.iter(|| check(&a).expect("validate runs"))
    });
    group.throughput(Throughput::Elements(xlsx_rows));
    let a = args(xlsx.clone(), dir.path().join("payout.results.xlsx"));
    group.bench_function("xlsx_100k_rows", |b| {
        b.iter(|| check(&a).expect("validate runs"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
