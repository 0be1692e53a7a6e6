//! `trend_update::payload::calendar::parse_rfc3339` on any text, and a differential check
//! against `ingest::timestamp::parse_rfc3339_ms`: where both accept a text they must agree
//! on the instant (to the second; the trend parser floors the fraction).
#![no_main]

use libfuzzer_sys::fuzz_target;
use trend_update::payload::calendar::{day_of, format_day, hour_of, parse_rfc3339, weekday_of};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let seconds = parse_rfc3339(text);
    if let Some(at) = seconds {
        assert!(text.is_ascii());
        assert!((0..=23).contains(&hour_of(at)) && (0..=6).contains(&weekday_of(at)));
        let day = format_day(day_of(at));
        assert!(day.len() >= 10, "{day}");
    }
    if let (Some(at), Some(ms)) = (seconds, ingest::timestamp::parse_rfc3339_ms(text)) {
        assert_eq!(ms.div_euclid(1_000), at, "{text:?}");
    }
});
