//! Client clock-skew correction (Segment's formula) and the future/past bounds.

use crate::limits::{MAX_AGE_MS, MAX_FUTURE_MS};

/// An event time on the server's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorrectedTime {
    pub occurred_at_ms: i64,
    /// True when the corrected time was over [`MAX_FUTURE_MS`] ahead and was replaced by
    /// the receive time.
    pub clamped: bool,
}

/// The corrected time is more than [`MAX_AGE_MS`] before the receive time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooOld;

/// `received_at − (sent_at − occurred_at)` when the batch says when it was sent, else the
/// client's `occurred_at` as is. Both client times come from the same (possibly wrong)
/// device clock, so their difference — how long the event waited on the device — is
/// trustworthy, and adding it to our own clock cancels the device's offset.
///
/// The result is then bounded: over an hour ahead of `received_at` is clamped to
/// `received_at` (uncorrectable clock, but the event itself is fine); over seven days
/// behind is refused. All arithmetic saturates, so no input can overflow.
pub fn correct_occurred_at(
    client_occurred_at_ms: i64,
    sent_at_ms: Option<i64>,
    received_at_ms: i64,
) -> Result<CorrectedTime, TooOld> {
    let corrected = match sent_at_ms {
        Some(sent_at_ms) => {
            let waited_on_device_ms = sent_at_ms.saturating_sub(client_occurred_at_ms);
            received_at_ms.saturating_sub(waited_on_device_ms)
        }
        None => client_occurred_at_ms,
    };
    if corrected.saturating_sub(received_at_ms) > MAX_FUTURE_MS {
        return Ok(CorrectedTime { occurred_at_ms: received_at_ms, clamped: true });
    }
    if received_at_ms.saturating_sub(corrected) > MAX_AGE_MS {
        return Err(TooOld);
    }
    Ok(CorrectedTime { occurred_at_ms: corrected, clamped: false })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timestamp::parse_rfc3339_ms;

    fn ms(text: &str) -> i64 {
        parse_rfc3339_ms(text).unwrap()
    }

    fn kept(occurred_at_ms: i64) -> Result<CorrectedTime, TooOld> {
        Ok(CorrectedTime { occurred_at_ms, clamped: false })
    }

    const RECEIVED: &str = "2024-05-01T12:00:00.000Z";

    #[test]
    fn fast_client_clock_is_corrected() {
        // The device clock is 5 min ahead: it says it sent at 12:05:00 and the event
        // happened 30 s earlier, so on our clock the event was at 12:00:00 − 30 s.
        let corrected = correct_occurred_at(ms("2024-05-01T12:04:30Z"), Some(ms("2024-05-01T12:05:00Z")), ms(RECEIVED));
        assert_eq!(corrected, kept(ms("2024-05-01T11:59:30Z")));
    }

    #[test]
    fn slow_client_clock_is_corrected() {
        // Device clock stuck at the epoch (dead RTC battery): waited 1.5 s on the device.
        let corrected = correct_occurred_at(ms("1970-01-01T00:00:08.500Z"), Some(10_000), ms(RECEIVED));
        assert_eq!(corrected, kept(ms("2024-05-01T11:59:58.500Z")));
        // The same numbers by hand: 1_714_564_800_000 − (10_000 − 8_500).
        assert_eq!(corrected, kept(1_714_564_798_500));
    }

    #[test]
    fn without_sent_at_the_client_time_is_used_as_is() {
        assert_eq!(
            correct_occurred_at(ms("2024-05-01T11:00:00Z"), None, ms(RECEIVED)),
            kept(ms("2024-05-01T11:00:00Z"))
        );
    }

    #[test]
    fn up_to_one_hour_ahead_is_kept_beyond_is_clamped() {
        let received = ms(RECEIVED);
        let hour_ahead = received + MAX_FUTURE_MS;
        assert_eq!(correct_occurred_at(hour_ahead, None, received), kept(hour_ahead));
        assert_eq!(
            correct_occurred_at(hour_ahead + 1, None, received),
            Ok(CorrectedTime { occurred_at_ms: received, clamped: true })
        );
        // After correction: occurred 2 h after it was sent is 2 h in the future.
        let clamped = correct_occurred_at(ms("2024-05-01T14:00:00Z"), Some(ms("2024-05-01T12:00:00Z")), received);
        assert_eq!(clamped, Ok(CorrectedTime { occurred_at_ms: received, clamped: true }));
    }

    #[test]
    fn up_to_seven_days_old_is_kept_beyond_is_too_old() {
        let received = ms(RECEIVED);
        assert_eq!(correct_occurred_at(ms("2024-04-24T12:00:00Z"), None, received), kept(ms("2024-04-24T12:00:00Z")));
        assert_eq!(correct_occurred_at(ms("2024-04-24T11:59:59.999Z"), None, received), Err(TooOld));
        // Old only after correction: the device clock is fine, the event waited 8 days.
        let queued = correct_occurred_at(ms("2024-04-23T12:00:00Z"), Some(ms("2024-05-01T12:00:00Z")), received);
        assert_eq!(queued, Err(TooOld));
        // Looks ancient, but the device clock is 10 years behind and it waited 1 min.
        let skewed = correct_occurred_at(ms("2014-05-01T11:59:00Z"), Some(ms("2014-05-01T12:00:00Z")), received);
        assert_eq!(skewed, kept(ms("2024-05-01T11:59:00Z")));
    }

    #[test]
    fn extreme_inputs_saturate_instead_of_overflowing() {
        let received = ms(RECEIVED);
        assert_eq!(correct_occurred_at(i64::MIN, Some(i64::MAX), received), Err(TooOld));
        assert!(correct_occurred_at(i64::MAX, Some(i64::MIN), received).is_ok_and(|t| t.clamped));
        assert!(correct_occurred_at(i64::MAX, None, i64::MIN).is_ok_and(|t| t.clamped));
        assert_eq!(correct_occurred_at(i64::MIN, None, i64::MAX), Err(TooOld));
    }
}
