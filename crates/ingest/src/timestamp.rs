//! Strict RFC 3339 timestamps <-> unix milliseconds.
//!
//! Hand-written (no date crate) because the grammar is tiny and we want it strict:
//! `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, `T`/`Z` in either case, nothing else
//! (no space separator, no missing offset, no week dates). Fractions beyond milliseconds
//! are truncated, not rounded, so a timestamp never moves into the next millisecond.

/// Earliest instant accepted, `0001-01-01T00:00:00.000Z`. Year 0 and earlier are refused
/// because PostgreSQL would reject them and fail the whole batch's RPC.
pub const MIN_MS: i64 = days_from_civil(1, 1, 1) * MS_PER_DAY;
/// Latest instant accepted, `9999-12-31T23:59:59.999Z` (four-digit years only).
pub const MAX_MS: i64 = (days_from_civil(9999, 12, 31) + 1) * MS_PER_DAY - 1;

const MS_PER_DAY: i64 = 86_400_000;
/// More fraction digits than nanoseconds carry no meaning and only cost parsing.
const MAX_FRACTION_DIGITS: usize = 9;

use edge::civil::{civil_from_days, days_from_civil, days_in_month};

/// Parses an RFC 3339 timestamp to unix milliseconds (UTC), or None when it is not one or
/// falls outside [`MIN_MS`]..=[`MAX_MS`] once converted to UTC.
pub fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    let mut cursor = Cursor(text.as_bytes());
    let year = cursor.digits(4)?;
    cursor.expect(b'-')?;
    let month = cursor.digits(2)?;
    cursor.expect(b'-')?;
    let day = cursor.digits(2)?;
    cursor.expect_either(b'T', b't')?;
    let hour = cursor.digits(2)?;
    cursor.expect(b':')?;
    let minute = cursor.digits(2)?;
    cursor.expect(b':')?;
    let second = cursor.digits(2)?;
    let millis = if cursor.peek() == Some(b'.') { cursor.fraction_as_millis()? } else { 0 };
    let offset_minutes = cursor.offset_minutes()?;
    if !cursor.is_empty() {
        return None;
    }

    // Second 60 is RFC 3339's leap second; it is counted as the next minute's first
    // second, as POSIX time has no room for it.
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour <= 23
        && minute <= 59
        && second <= 60;
    if !valid {
        return None;
    }
    let local_seconds = days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second;
    let utc_ms = (local_seconds - offset_minutes * 60) * 1_000 + millis;
    (MIN_MS..=MAX_MS).contains(&utc_ms).then_some(utc_ms)
}

/// Formats unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`. Total for every i64 (years
/// outside 0..=9999 print with more digits or a sign), though callers only pass instants
/// that [`parse_rfc3339_ms`] could have produced.
pub fn format_rfc3339_ms(unix_ms: i64) -> String {
    let days = unix_ms.div_euclid(MS_PER_DAY);
    let ms_of_day = unix_ms.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let (hour, minute) = (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60);
    let (second, millis) = (ms_of_day / 1_000 % 60, ms_of_day % 1_000);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z")
}

/// A byte reader over ASCII grammar; any non-ASCII byte simply fails to match.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.0.first().copied()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn next(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    fn expect(&mut self, wanted: u8) -> Option<()> {
        (self.next()? == wanted).then_some(())
    }

    fn expect_either(&mut self, upper: u8, lower: u8) -> Option<()> {
        let byte = self.next()?;
        (byte == upper || byte == lower).then_some(())
    }

    fn digit(&mut self) -> Option<i64> {
        let byte = self.next()?;
        byte.is_ascii_digit().then(|| i64::from(byte - b'0'))
    }

    fn digits(&mut self, count: usize) -> Option<i64> {
        (0..count).try_fold(0, |value, _| Some(value * 10 + self.digit()?))
    }

    /// `.` then 1..=9 digits; keeps the first three as milliseconds.
    fn fraction_as_millis(&mut self) -> Option<i64> {
        self.expect(b'.')?;
        let count = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        if !(1..=MAX_FRACTION_DIGITS).contains(&count) {
            return None;
        }
        let mut millis = 0;
        for position in 0..count {
            let digit = self.digit()?;
            if position < 3 {
                millis = millis * 10 + digit;
            }
        }
        // ".5" is 500 ms, not 5 ms.
        for _ in count..3 {
            millis *= 10;
        }
        Some(millis)
    }

    /// `Z`/`z` is 0; `±HH:MM` is signed minutes east of UTC (`-00:00` means UTC too).
    fn offset_minutes(&mut self) -> Option<i64> {
        let sign = match self.next()? {
            b'Z' | b'z' => return Some(0),
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let hours = self.digits(2)?;
        self.expect(b':')?;
        let minutes = self.digits(2)?;
        (hours <= 23 && minutes <= 59).then_some(sign * (hours * 60 + minutes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2024-05-01T12:00:00Z: 19_844 days after the epoch (54 years, 13 of them leap, plus
    /// 121 days of 2024) * 86_400 s + 12 h.
    const MAY_1_2024_NOON_MS: i64 = 1_714_564_800_000;

    #[test]
    fn parses_utc_and_offsets_to_the_same_instant() {
        for text in [
            "2024-05-01T12:00:00Z",
            "2024-05-01T12:00:00.000Z",
            "2024-05-01t12:00:00z",
            "2024-05-01T14:00:00+02:00",
            "2024-05-01T06:30:00-05:30",
            "2024-05-01T12:00:00-00:00",
            "2024-05-02T01:00:00+13:00",
        ] {
            assert_eq!(parse_rfc3339_ms(text), Some(MAY_1_2024_NOON_MS), "{text}");
        }
    }

    #[test]
    fn fractions_are_truncated_to_milliseconds() {
        let at = |text: &str| parse_rfc3339_ms(text).map(|ms| ms - MAY_1_2024_NOON_MS);
        assert_eq!(at("2024-05-01T12:00:00.5Z"), Some(500));
        assert_eq!(at("2024-05-01T12:00:00.12Z"), Some(120));
        assert_eq!(at("2024-05-01T12:00:00.123Z"), Some(123));
        assert_eq!(at("2024-05-01T12:00:00.123999999Z"), Some(123));
        assert_eq!(at("2024-05-01T12:00:00.1234567891Z"), None, "10 digits");
        assert_eq!(at("2024-05-01T12:00:00.Z"), None, "empty fraction");
    }

    #[test]
    fn known_instants() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339_ms("1969-12-31T23:59:59.999Z"), Some(-1));
        assert_eq!(parse_rfc3339_ms("2000-03-01T00:00:00Z"), Some(951_868_800_000));
        assert_eq!(parse_rfc3339_ms("2024-02-29T00:00:00Z"), Some(1_709_164_800_000));
        assert_eq!(parse_rfc3339_ms("2016-12-31T23:59:60Z"), parse_rfc3339_ms("2017-01-01T00:00:00Z"));
    }

    #[test]
    fn calendar_rules_are_enforced() {
        for text in [
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-00-10T00:00:00Z",
            "2024-05-00T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T12:60:00Z",
            "2024-05-01T12:00:61Z",
            "2024-05-01T12:00:00+24:00",
            "2024-05-01T12:00:00+01:60",
        ] {
            assert_eq!(parse_rfc3339_ms(text), None, "{text}");
        }
        assert!(parse_rfc3339_ms("2000-02-29T00:00:00Z").is_some());
    }

    #[test]
    fn rejects_everything_that_is_not_strict_rfc_3339() {
        for text in [
            "",
            "2024-05-01",
            "2024-05-01T12:00:00",
            "2024-05-01 12:00:00Z",
            "2024-05-01T12:00Z",
            "2024-5-01T12:00:00Z",
            "24-05-01T12:00:00Z",
            "+2024-05-01T12:00:00Z",
            "2024-05-01T12:00:00+0200",
            "2024-05-01T12:00:00+02",
            "2024-05-01T12:00:00ZZ",
            "2024-05-01T12:00:00Z ",
            " 2024-05-01T12:00:00Z",
            "2024-05-01T12:00:00UTC",
            "1714564800000",
            "２０２４-05-01T12:00:00Z",
            "2024-05-01T12:00:00.１Z",
            "2024-05-01T12:00:00,5Z",
        ] {
            assert_eq!(parse_rfc3339_ms(text), None, "{text:?}");
        }
    }

    #[test]
    fn range_is_year_1_to_9999_in_utc() {
        assert_eq!(parse_rfc3339_ms("0001-01-01T00:00:00Z"), Some(MIN_MS));
        assert_eq!(parse_rfc3339_ms("9999-12-31T23:59:59.999Z"), Some(MAX_MS));
        assert_eq!(parse_rfc3339_ms("0000-06-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_ms("0001-01-01T00:30:00+01:00"), None, "year 0 in UTC");
        assert_eq!(parse_rfc3339_ms("9999-12-31T23:59:59-01:00"), None, "year 10000 in UTC");
    }

    #[test]
    fn formats_utc_with_milliseconds() {
        assert_eq!(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(format_rfc3339_ms(MAY_1_2024_NOON_MS + 7), "2024-05-01T12:00:00.007Z");
        assert_eq!(format_rfc3339_ms(MIN_MS), "0001-01-01T00:00:00.000Z");
        assert_eq!(format_rfc3339_ms(MAX_MS), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn format_is_total_over_i64() {
        for ms in [i64::MIN, i64::MIN + 1, i64::MAX, -MS_PER_DAY * 1_000_000] {
            assert!(format_rfc3339_ms(ms).ends_with('Z'));
        }
    }

    #[test]
    fn format_then_parse_round_trips_every_day_for_centuries() {
        let mut ms = parse_rfc3339_ms("1899-12-25T23:59:59.999Z").unwrap();
        let end = parse_rfc3339_ms("2401-01-05T00:00:00Z").unwrap();
        while ms < end {
            assert_eq!(parse_rfc3339_ms(&format_rfc3339_ms(ms)), Some(ms));
            ms += MS_PER_DAY + 3_601_001;
        }
    }
}
