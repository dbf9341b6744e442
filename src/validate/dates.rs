//! Dates and times in sheets: PayU India reads them in IST.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// India Standard Time, UTC+05:30.
pub fn ist() -> FixedOffset {
    FixedOffset::east_opt(5 * 3600 + 1800).expect("+05:30 is a valid offset")
}

/// `yyyy-MM-dd HH:mm:ss` in IST, as PayU's `scheduledTime` wants it.
pub fn scheduled_time(s: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    ist()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// A link expiry: a date (the end of that day in IST), a date-time in IST
/// (`yyyy-MM-dd HH:mm[:ss]`), or an RFC 3339 time with its own zone (`2026-07-21T12:19:04.000Z`).
pub fn expiry(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| {
            let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
            Some(day.and_time(NaiveTime::from_hms_opt(23, 59, 59)?))
        })?;
    ist()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduled_time_is_ist() {
        let t = scheduled_time("2026-11-22 10:30:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-22T05:00:00+00:00");
        assert!(scheduled_time("22-11-2026 10:30:00").is_none());
        assert!(scheduled_time("2026-11-22T10:30:00").is_none());
    }

    proptest::proptest! {
        #[test]
        fn any_real_time_round_trips(days in 0i64..40_000, secs in 0i64..86_400) {
            let t = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap()
                + chrono::Duration::days(days)
                + chrono::Duration::seconds(secs);
            let text = t.format("%Y-%m-%d %H:%M:%S").to_string();
            let back = scheduled_time(&text).unwrap().with_timezone(&ist()).naive_local();
            proptest::prop_assert_eq!(back, t);
            proptest::prop_assert_eq!(expiry(&text).map(|e| e.with_timezone(&ist()).naive_local()), Some(t));
        }

        #[test]
        fn date_parsers_never_panic(s in "\\PC{0,30}") {
            let _ = scheduled_time(&s);
            let _ = expiry(&s);
        }
    }

    #[test]
    fn expiry_forms() {
        assert_eq!(
            expiry("2026-11-22").unwrap().to_rfc3339(),
            "2026-11-22T18:29:59+00:00"
        );
        assert_eq!(
            expiry("2026-07-21T12:19:04.000Z").unwrap().to_rfc3339(),
            "2026-07-21T12:19:04+00:00"
        );
        assert!(expiry("21/07/2026").is_none());
    }
}
