//! `trend_update::notice::parse_notice`: any webhook body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trend_update::notice::{parse_notice, MAX_OUTBOX_IDS};

fuzz_target!(|body: &[u8]| {
    match parse_notice(body) {
        Ok(notice) => {
            assert!((1..=MAX_OUTBOX_IDS).contains(&notice.outbox_ids.len()));
            assert!(notice.outbox_ids.iter().all(|id| *id > 0));
        }
        Err(error) => fuzz_support::assert_client_error(&error),
    }
});
