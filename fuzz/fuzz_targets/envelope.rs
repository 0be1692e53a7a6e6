//! `ingest::envelope::parse_envelope`: any request body.
#![no_main]

use ingest::envelope::{parse_envelope, BodyShape};
use ingest::{MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    match parse_envelope(body) {
        Ok(envelope) => {
            assert!(body.len() <= MAX_BODY_BYTES);
            assert!((1..=MAX_EVENTS_PER_BATCH).contains(&envelope.events.len()));
            if envelope.shape == BodyShape::SingleEvent {
                assert_eq!(envelope.events.len(), 1);
                assert_eq!(envelope.sent_at_ms, None);
            }
            for event in &envelope.events {
                // Each event is a syntactically valid JSON value, verbatim from the body.
                serde_json::from_str::<&serde_json::value::RawValue>(event.get()).expect("event is JSON");
            }
            if let Some(sent_at) = envelope.sent_at_ms {
                assert!((ingest::timestamp::MIN_MS..=ingest::timestamp::MAX_MS).contains(&sent_at));
            }
        }
        Err(error) => fuzz_support::assert_client_error(&error),
    }
});
