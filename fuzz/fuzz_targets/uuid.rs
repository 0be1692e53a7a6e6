//! `ingest::uuid::parse_uuid`: any text; accepted ids are canonical and idempotent.
#![no_main]

use ingest::uuid::parse_uuid;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(id) = parse_uuid(text) {
        assert_eq!(id.len(), 36);
        assert!(id.eq_ignore_ascii_case(text));
        assert!(!id.bytes().any(|b| b.is_ascii_uppercase()));
        assert_eq!(parse_uuid(&id).as_deref(), Some(id.as_str()));
        assert_eq!(parse_uuid(&text.to_ascii_uppercase()).as_deref(), Some(id.as_str()));
    }
});
