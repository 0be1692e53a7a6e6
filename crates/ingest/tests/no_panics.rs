//! Mutation fuzzing: no input, however mangled, may panic the planner or the parsers.
//! Deterministic (fixed-seed xorshift) so a failure reproduces.

use edge::ApiError;
use ingest::timestamp::parse_rfc3339_ms;
use ingest::uuid::parse_uuid;
use ingest::{build_response, plan_events, EventSchema, NumberBounds, StrictObject, TextRule};
use serde::Serialize;

#[derive(Serialize)]
struct Everything {
    id: Option<String>,
    text: Option<String>,
    count: Option<i64>,
    seconds: Option<f64>,
    at: Option<i64>,
}

impl EventSchema for Everything {
    const FIELDS: &'static [&'static str] = &["id", "text", "count", "seconds", "at"];

    fn from_object(object: &StrictObject<'_>) -> Result<Self, ApiError> {
        let rule = TextRule { max_chars: 5, multiline: true, blank_is_absent: true };
        Ok(Self {
            id: object.optional_uuid("id")?,
            text: object.optional_text("text", rule)?,
            count: object.optional_integer("count", 0..=10)?,
            seconds: object.optional_number("seconds", NumberBounds::above_zero_to(9.5))?,
            at: object.optional_timestamp_ms("at")?,
        })
    }
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(bound).unwrap()).unwrap()
    }
}

const SEED_BODY: &str = r#"{"events": [
  {"event_id": "00000000-0000-4000-8000-000000000001", "id": "0B9D7C1E-4F2A-4C3B-9D8E-7F6A5B4C3D2E",
   "text": " héllo\n", "count": 3, "seconds": 1.5e0, "at": "2024-05-01T12:00:00.123+02:00",
   "occurred_at": "2024-05-01T11:59:00Z"},
  {"event_id": "00000000-0000-4000-8000-000000000001", "occurred_at": "2024-05-01T11:59:00Z"},
  {"event_id": "\ud800", "user_id": null, "count": -0, "seconds": 1e400, "occurred_at": "0001-01-01T00:00:00Z"}
], "sent_at": "2024-05-01T12:00:00.5Z"}"#;

/// Bytes that steer mutations into interesting grammar corners.
const INTERESTING: &[u8] = b"{}[]\":,.-+eE0123456789 \\u\xff\xc3\xa9\x00\ntfnTZ";

#[test]
fn mutated_bodies_never_panic() {
    let received_at_ms = 1_714_564_800_000;
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let mut body = SEED_BODY.as_bytes().to_vec();
        for _ in 0..=rng.below(4) {
            let position = rng.below(body.len() + 1);
            let byte = INTERESTING[rng.below(INTERESTING.len())];
            match rng.below(4) {
                0 if position < body.len() => body[position] = byte,
                1 if position < body.len() => {
                    body.remove(position);
                }
                2 => body.truncate(position),
                _ => body.insert(position, byte),
            }
        }
        if let Ok(plan) = plan_events::<Everything>(&body, received_at_ms) {
            // With nothing to write, the response needs no RPC and must build.
            if plan.events_to_write() == 0 {
                assert!(build_response(&plan, None).is_ok());
            }
        }
    }
}

#[test]
fn extreme_receive_times_never_panic() {
    for received_at_ms in [i64::MIN, -1, 0, i64::MAX] {
        let _ = plan_events::<Everything>(SEED_BODY.as_bytes(), received_at_ms);
    }
}

#[test]
fn random_text_never_panics_the_parsers() {
    let mut rng = XorShift(42);
    let alphabet: Vec<char> = "0123456789-:.TtZz+ é\u{10FFFF}abcdef".chars().collect();
    for _ in 0..50_000 {
        let length = rng.below(40);
        let text: String = (0..length).map(|_| alphabet[rng.below(alphabet.len())]).collect();
        let _ = parse_rfc3339_ms(&text);
        let _ = parse_uuid(&text);
    }
}
