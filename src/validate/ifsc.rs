//! IFSC codes: the pattern RBI publishes, and the bank and branch against a dated snapshot of
//! the razorpay IFSC dataset (`data/ifsc/`, from the `ifsc` package on the npm registry).

use std::collections::HashMap;
use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

const IFSC_JSON: &str = include_str!("../../data/ifsc/IFSC.json");
const BANK_NAMES_JSON: &str = include_str!("../../data/ifsc/banknames.json");

/// What the dataset says of an IFSC that has the right pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ifsc {
    Known,
    /// The bank exists; the branch is not in the snapshot (new branches appear every month).
    UnknownBranch,
    UnknownBank,
}

/// `^[A-Z]{4}0[A-Z0-9]{6}$`, after upper-casing (IFSCs are case-insensitive in practice).
pub fn has_pattern(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 11
        && b[..4].iter().all(u8::is_ascii_alphabetic)
        && b[4] == b'0'
        && b[5..].iter().all(u8::is_ascii_alphanumeric)
}

struct Directory {
    /// Bank code (4 letters, packed by [`pack`]) → bank name.
    banks: FxHashMap<u64, String>,
    /// Every IFSC in the snapshot, packed by [`pack`].
    branches: FxHashSet<u64>,
}

fn directory() -> &'static Directory {
    static DIR: OnceLock<Directory> = OnceLock::new();
    DIR.get_or_init(|| {
        // Branches are numbers (six digits without their leading zeros) or strings. Each is
        // read as the raw JSON token it is, borrowed from the embedded text: nothing is
        // allocated per branch.
        let raw: HashMap<&str, Vec<&serde_json::value::RawValue>> =
            serde_json::from_str(IFSC_JSON).expect("the vendored IFSC.json is valid JSON");
        let names: HashMap<String, String> = serde_json::from_str(BANK_NAMES_JSON)
            .expect("the vendored banknames.json is valid JSON");
        let mut branches = FxHashSet::default();
        branches.reserve(raw.values().map(Vec::len).sum());
        let mut banks = FxHashMap::default();
        for (bank, list) in raw {
            for token in list {
                let token = token.get();
                let packed = match token.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
                    Some(code) => pack(bank, code),
                    // A number stands for six digits with leading zeros: in base 36 that is
                    // the bank code shifted by six places plus the digits' value.
                    None => token
                        .parse::<u32>()
                        .ok()
                        .and_then(|n| Some(pack(bank, "")? * 36u64.pow(6) + digits_base36(n))),
                };
                if let Some(p) = packed {
                    branches.insert(p);
                }
            }
            let name = names.get(bank).cloned().unwrap_or_default();
            if let Some(p) = pack(bank, "") {
                banks.insert(p, name);
            }
        }
        Directory { banks, branches }
    })
}

/// Bank code and branch as one base-36 number (10 characters fit in 52 bits), whatever
/// their case.
fn pack(bank: &str, branch: &str) -> Option<u64> {
    let mut n = 0u64;
    for c in bank.bytes().chain(branch.bytes()) {
        let d = match c.to_ascii_uppercase() {
            c @ b'0'..=b'9' => c - b'0',
            c @ b'A'..=b'Z' => c - b'A' + 10,
            _ => return None,
        };
        n = n * 36 + u64::from(d);
    }
    Some(n)
}

/// The six decimal digits of `n` (with leading zeros) read as base-36 digits, as [`pack`]
/// reads them.
fn digits_base36(mut n: u32) -> u64 {
    let mut value = 0u64;
    let mut place = 1u64;
    for _ in 0..6 {
        value += u64::from(n % 10) * place;
        n /= 10;
        place *= 36;
    }
    value
}

/// Loads the dataset now (on a thread of its own, say) rather than at the first look-up: it
/// takes a few tens of milliseconds.
pub fn warm() {
    directory();
}

/// Looks up a code that [`has_pattern`]. A known branch means a known bank, so the usual
/// code costs one look-up.
pub fn lookup(code: &str) -> Ifsc {
    let dir = directory();
    let (bank, branch) = (&code[..4], &code[5..]);
    if pack(bank, branch).is_some_and(|p| dir.branches.contains(&p)) {
        return Ifsc::Known;
    }
    if pack(bank, "").is_some_and(|b| dir.banks.contains_key(&b)) {
        Ifsc::UnknownBranch
    } else {
        Ifsc::UnknownBank
    }
}

/// The bank's name for messages, when the dataset has one.
pub fn bank_name(code: &str) -> Option<&'static str> {
    directory()
        .banks
        .get(&pack(code.get(..4)?, "")?)
        .map(String::as_str)
        .filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_whole_snapshot_is_loaded() {
        // Every distinct IFSC of data/ifsc/IFSC.json, and every bank code in it.
        assert_eq!(directory().branches.len(), 176_918);
        assert_eq!(directory().banks.len(), 257);
    }

    #[test]
    fn real_branches_are_known() {
        assert_eq!(lookup("HDFC0000001"), Ifsc::Known);
        assert_eq!(lookup("SBIN0000001"), Ifsc::Known);
        assert_eq!(lookup("ABNA0NEFT02"), Ifsc::Known);
        assert_eq!(lookup("HDFC0ZZZZZZ"), Ifsc::UnknownBranch);
        assert_eq!(lookup("QQQQ0000001"), Ifsc::UnknownBank);
        assert_eq!(bank_name("HDFC0000001"), Some("HDFC Bank"));
    }

    #[test]
    fn numeric_branches_pack_like_their_text() {
        for n in [0, 1, 1234, 999_999] {
            assert_eq!(
                pack("HDFC", "").unwrap() * 36u64.pow(6) + digits_base36(n),
                pack("HDFC", &format!("{n:06}")).unwrap()
            );
        }
    }

    #[test]
    fn pattern_is_rbis() {
        assert!(has_pattern("IBKL0070T16"));
        assert!(!has_pattern("HDFC1001234"));
        assert!(!has_pattern("HDFC001234"));
        assert!(has_pattern("hdfc0001234"));
        assert_eq!(lookup("hdfc0000001"), Ifsc::Known);
        assert!(!has_pattern("HDF00001234"));
    }

    proptest! {
        #[test]
        fn pattern_accepts_exactly_the_regex(s in "[A-Z0-9]{0,12}") {
            let re = s.len() == 11
                && s[..4].chars().all(|c| c.is_ascii_alphabetic())
                && &s[4..5] == "0";
            prop_assert_eq!(has_pattern(&s), re);
        }
    }
}
