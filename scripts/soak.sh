#!/bin/sh
# The long chaos run: tests/chaos.rs with CYCLES kills per kind (default 250, 1,000 in all
# across payout, smart-send api, smart-send bulk and global-payout), each submit killed with
# SIGKILL at a seeded random moment against a sandbox with --fault-rate 0.3
# --visibility-ms 1500 --dedupe-lag-ms 1000 --settle-ms 200, resumed with `status` between,
# until every row is final; then the ledger must hold each reference exactly once.
#
# Usage, from the repository's top folder:  scripts/soak.sh [CYCLES_PER_KIND]
set -eu
cycles="${1:-250}"
start=$(date +%s)
CHAOS_CYCLES="$cycles" cargo test --test chaos -- --nocapture 2>&1 |
    grep -E '^test |kills|panicked|test result'
end=$(date +%s)
echo "soak: $cycles kills per kind, $((cycles * 4)) in all, $((end - start)) s"
