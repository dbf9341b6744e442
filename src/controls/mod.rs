//! The controls a finance team expects before and after money moves (architecture.md §7.2): the
//! balance checked before paying ([`balance`]), the same payment under a new reference held
//! back ([`repeat`]), queued transfers and unclaimed links cancelled ([`cancel`]), and paid
//! transfers reversed since found again ([`reversal`]). Each is called from one place in its
//! command; none of them sends a payment.

pub mod balance;
pub mod canary;
pub mod cancel;
pub mod repeat;
pub mod reversal;
pub mod stops;

use std::time::Duration;

/// Reads `7d`, `36h`, `30m` or anything [`crate::session::parse_duration`] reads: the
/// windows of the controls are counted in days.
pub fn parse_window(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if let Some(days) = t.strip_suffix('d') {
        let n: u64 = days
            .trim()
            .parse()
            .map_err(|_| format!("'{s}' is not a duration like 7d, 36h or 30m"))?;
        return n
            .checked_mul(86_400)
            .map(Duration::from_secs)
            .ok_or_else(|| format!("'{s}' is too long"));
    }
    crate::session::parse_duration(t)
}

/// A moment in the journal's writing (RFC 3339), as a person reads it: `2026-12-02 14:05 UTC`.
pub fn when(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M UTC")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_days_and_the_usual_units() {
        assert_eq!(parse_window("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_window("14d"), Ok(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_window("36h"), Ok(Duration::from_secs(36 * 3600)));
        assert_eq!(parse_window("0"), Ok(Duration::ZERO));
        assert!(parse_window("d").is_err());
        assert!(parse_window("a week").is_err());
    }

    #[test]
    fn journal_times_read_as_a_person_writes_them() {
        assert_eq!(when("2026-12-02T14:05:09.123Z"), "2026-12-02 14:05 UTC");
        assert_eq!(when("not a time"), "not a time");
    }
}
