//! `feedback_ingest::plan`: the whole feedback validation (envelope, every event's fields,
//! clock skew, in-batch duplicates), then `ingest::build_response` on the plan.
#![no_main]

use feedback_ingest::FeedbackEvent;
use ingest::EventSchema;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let result = feedback_ingest::plan(body, fuzz_support::RECEIVED_AT_MS);
    fuzz_support::check_plan(body, result, FeedbackEvent::FIELDS);
});
