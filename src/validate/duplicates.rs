//! References more than one row uses: found among rows in memory, or by their digests over a
//! file read in chunks, and reported on each row that shares one (`1002`, `1103`, `8356`).

use std::collections::HashMap;

use rustc_hash::FxHashSet;

use super::Check;
use super::cells::trim;
use crate::Error;
use crate::rows::{HeaderMap, Kind};
use crate::sheet::{RawRow, Sheet};

/// References used by more than one row of the file, with the rows that use them.
#[derive(Debug, Default)]
pub struct Duplicates {
    rows: HashMap<String, Vec<u64>>,
}

/// A 64-bit digest of a reference. Digests only pick out references that may repeat; every
/// candidate is then compared by its text, so two references that happen to share a digest
/// are never taken for one.
fn digest(reference: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(reference.as_bytes())
}

fn reference_of<'r>(map: &HeaderMap, row: &'r RawRow) -> &'r str {
    let col = map.column(map.kind.reference_field());
    col.and_then(|c| row.get(c)).map_or("", |c| trim(c.text))
}

impl Duplicates {
    /// The duplicates among rows whose reference digest is one of `suspects`: none without
    /// reading the file when there are no suspects, else found by a scan that compares the
    /// references' text.
    pub fn resolve(
        sheet: &Sheet,
        map: &HeaderMap,
        suspects: &FxHashSet<u64>,
    ) -> Result<Duplicates, Error> {
        let mut found = Duplicates::default();
        if suspects.is_empty() {
            return Ok(found);
        }
        sheet.scan(|row| {
            let reference = reference_of(map, row);
            if suspects.contains(&digest(reference)) {
                found.note(reference, row.number);
            }
        })?;
        Ok(found.repeated_only())
    }

    /// The duplicates among rows already in memory (`submit` holds every row).
    pub fn among<'r>(map: &HeaderMap, rows: impl IntoIterator<Item = &'r RawRow>) -> Duplicates {
        let mut found = Duplicates::default();
        for row in rows {
            found.note(reference_of(map, row), row.number);
        }
        found.repeated_only()
    }

    fn note(&mut self, reference: &str, row: u64) {
        if !reference.is_empty() {
            self.rows.entry(reference.to_owned()).or_default().push(row);
        }
    }

    fn repeated_only(mut self) -> Duplicates {
        self.rows.retain(|_, r| r.len() > 1);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The other rows that use `reference`, if any.
    pub fn others(&self, reference: &str, row: u64) -> Option<Vec<u64>> {
        if self.rows.is_empty() {
            return None;
        }
        let rows = self.rows.get(reference)?;
        Some(rows.iter().copied().filter(|&r| r != row).collect())
    }
}

/// The reference digest of every row seen: 8 bytes a row, all the memory a pass over a file
/// keeps besides the chunks in flight. Kept in buckets by their top bits, so that finding the
/// repeats sorts many small runs that fit in the cache instead of one long one.
#[derive(Debug)]
pub struct Digests {
    buckets: Vec<Vec<u64>>,
}

/// Digests are grouped by their top `DIGEST_BUCKET_BITS` bits.
const DIGEST_BUCKET_BITS: u32 = 8;

impl Default for Digests {
    fn default() -> Self {
        Digests {
            buckets: vec![Vec::new(); 1 << DIGEST_BUCKET_BITS],
        }
    }
}

impl Digests {
    pub fn add(&mut self, map: &HeaderMap, row: &RawRow) {
        let reference = reference_of(map, row);
        if !reference.is_empty() {
            self.push(digest(reference));
        }
    }

    fn push(&mut self, d: u64) {
        self.buckets[(d >> (64 - DIGEST_BUCKET_BITS)) as usize].push(d);
    }

    /// The digests seen more than once (sorting puts equal ones side by side: cheaper than a
    /// hash map of a million entries).
    pub fn repeated(self) -> FxHashSet<u64> {
        let mut repeated = FxHashSet::default();
        for mut bucket in self.buckets {
            bucket.sort_unstable();
            repeated.extend(
                bucket
                    .windows(2)
                    .filter(|pair| pair[0] == pair[1])
                    .map(|pair| pair[0]),
            );
        }
        repeated
    }
}

pub(super) fn duplicate_reference(c: &mut Check) {
    let field = c.map.kind.reference_field();
    let Some(reference) = c.text(field) else {
        return;
    };
    let Some(others) = c.ctx.duplicates.others(reference, c.raw.number) else {
        return;
    };
    let code = match c.map.kind {
        Kind::Payout => "1002",
        Kind::SmartSend => "1103",
        Kind::GlobalPayout => "8356",
    };
    let rows: Vec<String> = others.iter().map(u64::to_string).collect();
    let name = c.name(field);
    let plural = if rows.len() == 1 { "" } else { "s" };
    c.fail(
        code,
        format!(
            "{name} '{reference}' is also used on row{plural} {}: each row needs its own reference",
            rows.join(", ")
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_digests_are_found_in_any_bucket() {
        let mut d = Digests::default();
        // Digests in the first, a middle and the last bucket, each seen twice, and some once.
        let twice = [1u64, 0x8000_0000_0000_0001, u64::MAX];
        for x in twice.iter().chain(&twice).chain(&[2, 3, u64::MAX - 1]) {
            d.push(*x);
        }
        let mut found: Vec<u64> = d.repeated().into_iter().collect();
        found.sort_unstable();
        assert_eq!(found, twice);
    }

    #[test]
    fn digests_differ_for_different_references() {
        assert_ne!(digest("REF-1"), digest("REF-2"));
        assert_eq!(digest("REF-1"), digest("REF-1"));
    }
}
