//! `watch_ingest::plan`: the whole watch-event validation (envelope, every event's fields,
//! clock skew, in-batch duplicates), then `ingest::build_response` on the plan.
#![no_main]

use ingest::EventSchema;
use libfuzzer_sys::fuzz_target;
use watch_ingest::WatchEvent;

fuzz_target!(|body: &[u8]| {
    let result = watch_ingest::plan(body, fuzz_support::RECEIVED_AT_MS);
    fuzz_support::check_plan(body, result, WatchEvent::FIELDS);
});
