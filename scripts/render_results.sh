#!/bin/sh
# Makes the README's pictures of a results workbook as LibreOffice renders it:
# docs/results-workbook.png (the rows sheet) and docs/results-summary.png (the Summary
# sheet). It pays part of samples/payout.csv through a local sandbox, converts the XLSX
# results to PDF with LibreOffice, and the PDF's pages to PNG with poppler.
#
# Needs: a Rust toolchain, LibreOffice Calc (`soffice`) and poppler (`pdftoppm`), e.g.
#   apt-get install libreoffice-calc poppler-utils
# Run from anywhere: scripts/render_results.sh (PAYU_BULK=path uses that binary instead of a
# release build).
set -eu

cd "$(dirname "$0")/.."
for tool in soffice pdftoppm; do
    command -v "$tool" >/dev/null || { echo "$tool is needed (see the top of $0)" >&2; exit 2; }
done
if [ -n "${PAYU_BULK:-}" ]; then
    bin=$(cd "$(dirname "$PAYU_BULK")" && pwd)/$(basename "$PAYU_BULK")
else
    cargo build --release --quiet
    bin=$(pwd)/target/release/payu-bulk
fi

work=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$bin" sandbox --listen 127.0.0.1:0 --settle-ms 50 >"$work/sandbox.out" &
pid=$!
tries=0
until grep -q '^listening on ' "$work/sandbox.out" 2>/dev/null; do
    tries=$((tries + 1))
    [ "$tries" -lt 100 ] || { echo "the sandbox did not start" >&2; exit 1; }
    sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$work/sandbox.out")

# Rows of samples/payout.csv, with its main columns: PayU's test accounts make one FAILED
# (41234567890) and one PENDING (61234567890); the last three break rules on purpose.
cat >"$work/payout.csv" <<'SHEET'
Reference,Payment Mode,Account No,IFSC Code,Beneficiary Name,Amount,Purpose
PAY-2611-001,IMPS,50100234567891,HDFC0000001,Asha Verma,45000.00,Salary November
PAY-2611-002,NEFT,00000031245678901,SBIN0001234,Rajesh Kumar Iyer,"1,25,000.50",Salary November
PAY-2611-003,RTGS,912010045678123,UTIB0000004,Priya Nair,250000,Vendor payment
PAY-2611-006,NEFT,41234567890,ICIC0001234,Anita D'Souza,7200.75,Consulting fee
PAY-2611-007,IMPS,61234567890,YESB0000001,Karthik Subramanian,INR 3300,Travel allowance
PAY-2611-008,IMPS,50100234567892,HDFC0ZZZZZ9,Neha Gupta,12000,Salary November
PAY-2611-015,IMPS,12345,HDFC001234,Ritu Bhatia,5000,Salary November
PAY-2611-020,NEFT,50100234567801,SBIN0000001,Manoj Tiwari,"1,5",Rent November
SHEET
cd "$work"
# Exit 1 is expected: some rows are invalid, one fails.
"$bin" submit payout.csv --base-url "$url" --journal journal.sqlite --skip-invalid \
    --wait 5s --quiet -o payout.results.xlsx || [ $? -eq 1 ]

soffice -env:UserInstallation="file://$work/profile" --headless \
    --convert-to pdf --outdir "$work" payout.results.xlsx >/dev/null
cd - >/dev/null
mkdir -p docs
# Each page is cut to what is printed on it (poppler gives the words' boxes, in points),
# with a margin, at 200 dots per inch.
render() { # page, output name
    box=$(pdftotext -bbox -f "$1" -l "$1" "$work/payout.results.pdf" - | awk -F'"' '
        /<word / { for (i = 1; i < NF; i++) {
            if ($i ~ /xMin=$/ && (x0 == "" || $(i+1) < x0)) x0 = $(i+1)
            if ($i ~ /yMin=$/ && (y0 == "" || $(i+1) < y0)) y0 = $(i+1)
            if ($i ~ /xMax=$/ && $(i+1) > x1) x1 = $(i+1)
            if ($i ~ /yMax=$/ && $(i+1) > y1) y1 = $(i+1) } }
        END { r = 200 / 72; m = 8
              printf "%d %d %d %d", (x0 - m) * r, (y0 - m) * r, (x1 - x0 + 2 * m) * r, (y1 - y0 + 2 * m) * r }')
    set -- "$1" "$2" $box
    pdftoppm -png -r 200 -f "$1" -l "$1" -x "$3" -y "$4" -W "$5" -H "$6" -singlefile \
        "$work/payout.results.pdf" "docs/$2"
}
render 1 results-workbook
render 2 results-summary
echo "wrote docs/results-workbook.png and docs/results-summary.png"
