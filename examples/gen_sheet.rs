//! Writes a synthetic payout sheet for measuring the tool by hand:
//! `cargo run --release --example gen_sheet -- ROWS FILE.csv|FILE.xlsx`.

#[path = "../benches/support/generate.rs"]
mod generate;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rows: u64 = args.next().ok_or("usage: gen_sheet ROWS FILE")?.parse()?;
    let path = std::path::PathBuf::from(args.next().ok_or("usage: gen_sheet ROWS FILE")?);
    if path.extension().is_some_and(|e| e == "xlsx") {
        generate::write_xlsx(&path, rows)?;
    } else {
        generate::write_csv(&path, rows)?;
    }
    println!("wrote {rows} rows to {}", path.display());
    Ok(())
}
