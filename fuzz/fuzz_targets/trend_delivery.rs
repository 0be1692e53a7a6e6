//! `trend_update::payload::parse_delivery` on any body; a delivery that parses is planned
//! (`plan::plan_delivery`, no mappings, fixed clock) and the plan checked.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trend_update::payload::parse_delivery;

fuzz_target!(|body: &[u8]| {
    match parse_delivery(body) {
        Ok(delivery) => fuzz_support::check_delivery_and_plan(&delivery, &[], fuzz_support::TREND_NOW),
        Err(error) => fuzz_support::assert_client_error(&error),
    }
});
