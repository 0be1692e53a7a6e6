//! `trend_update::notice::parse_context` on any RPC answer; its delivery, when present, goes
//! through `parse_delivery` and is planned with the answer's own mappings.
#![no_main]

use edge::ErrorCode;
use libfuzzer_sys::fuzz_target;
use trend_update::notice::parse_context;
use trend_update::payload::parse_delivery;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let context = match parse_context(text) {
        Ok(context) => context,
        Err(error) => {
            assert_eq!(error.code, ErrorCode::UpstreamError);
            return;
        }
    };
    let Some(raw) = context.delivery else { return };
    match parse_delivery(raw.get().as_bytes()) {
        Ok(delivery) => fuzz_support::check_delivery_and_plan(&delivery, &context.mappings, fuzz_support::TREND_NOW),
        Err(error) => fuzz_support::assert_client_error(&error),
    }
});
