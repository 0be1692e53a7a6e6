//! Client-side request bodies: unique event ids per request (ingestion is idempotent per
//! `event_id`, so a reused id would be a cheap duplicate, not a write).

use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

thread_local! {
    static STATE: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1);
    let thread = format!("{:?}", std::thread::current().id());
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in thread.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (nanos ^ h) | 1
}

/// xorshift64*: fast, good enough for ids.
pub fn next_u64() -> u64 {
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

/// A random version-4 UUID, lowercase.
pub fn uuid_v4() -> String {
    let (a, b) = (next_u64(), next_u64());
    let hi = (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let lo = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn rfc3339_ms(unix_ms: i64) -> String {
    let days = unix_ms.div_euclid(86_400_000);
    let ms = unix_ms.rem_euclid(86_400_000);
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let doe = shifted - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1_000 % 60,
        ms % 1_000
    )
}

pub const FEEDBACK_TYPES: [&str; 4] = ["like", "dislike", "not_interested", "report"];

/// One feedback event as a client sends it; `combo` picks a (video, feedback_type) pair the
/// user has not used yet (user_feedback is unique per user, video and type).
pub fn feedback_event(videos: &[String], combo: u64, occurred_at: &str) -> String {
    let video = &videos[(combo / 4) as usize % videos.len()];
    let kind = FEEDBACK_TYPES[(combo % 4) as usize];
    format!(
        r#"{{"event_id":"{}","video_id":"{video}","feedback_type":"{kind}","source_keyword":"bench","position_in_list":{},"session_id":"{}","occurred_at":"{occurred_at}"}}"#,
        uuid_v4(),
        combo % 50,
        uuid_v4()
    )
}

/// A feedback batch body: `{"events": [...], "sent_at": ...}` with `n` events from `first_combo`.
pub fn feedback_batch(videos: &[String], first_combo: u64, n: u64) -> Vec<u8> {
    let now = rfc3339_ms(now_ms());
    let events: Vec<String> = (first_combo..first_combo + n).map(|c| feedback_event(videos, c, &now)).collect();
    format!(r#"{{"events":[{}],"sent_at":"{now}"}}"#, events.join(",")).into_bytes()
}

/// One row for a direct PostgREST insert into user_feedback (what an app without the
/// function would send, one request per event).
pub fn feedback_row(user_id: &str, videos: &[String], combo: u64) -> Vec<u8> {
    let video = &videos[(combo / 4) as usize % videos.len()];
    let kind = FEEDBACK_TYPES[(combo % 4) as usize];
    format!(
        r#"{{"user_id":"{user_id}","video_id":"{video}","event_id":"{}","feedback_type":"{kind}","source_keyword":"bench","position_in_list":{},"session_id":"{}","occurred_at":"{}"}}"#,
        uuid_v4(),
        combo % 50,
        uuid_v4(),
        rfc3339_ms(now_ms())
    )
    .into_bytes()
}

/// The RPC-shaped array the function sends (every key present), for the raw-SQL baseline.
pub fn feedback_rpc_array(videos: &[String], first_combo: u64, n: u64) -> String {
    let now = rfc3339_ms(now_ms());
    let rows: Vec<String> = (first_combo..first_combo + n)
        .map(|combo| {
            let video = &videos[(combo / 4) as usize % videos.len()];
            let kind = FEEDBACK_TYPES[(combo % 4) as usize];
            format!(
                r#"{{"event_id":"{}","video_id":"{video}","feedback_type":"{kind}","reason":null,"comment":null,"source_keyword":"bench","position_in_list":{},"session_id":"{}","occurred_at":"{now}","client_occurred_at":"{now}","clamped":false}}"#,
                uuid_v4(),
                combo % 50,
                uuid_v4()
            )
        })
        .collect();
    format!("[{}]", rows.join(","))
}

/// A watch batch: `n` events of one new session, alternating the session's videos. The first
/// event per video is a play (it creates the interaction), then pauses and a seek.
pub fn watch_batch(videos: &[String], first_video: u64, n: u64) -> Vec<u8> {
    let now = rfc3339_ms(now_ms());
    let session = uuid_v4();
    let per_video = 10;
    let events: Vec<String> = (0..n)
        .map(|i| {
            let video = &videos[((first_video + i / per_video) as usize) % videos.len()];
            let step = i % per_video;
            let (kind, extra) = match step {
                0 => ("play", String::new()),
                5 => ("seek", format!(r#","seek_from":{}.5,"seek_to":{}.0"#, step, step + 10)),
                9 => ("end", String::new()),
                _ => ("pause", String::new()),
            };
            format!(
                r#"{{"event_id":"{}","session_id":"{session}","video_id":"{video}","event_type":"{kind}","video_timestamp":{}.25,"total_duration":60.0,"source_keyword":"bench"{extra},"occurred_at":"{now}"}}"#,
                uuid_v4(),
                step * 5 + if step == 5 { 10 } else { 0 }
            )
        })
        .collect();
    format!(r#"{{"events":[{}],"sent_at":"{now}"}}"#, events.join(",")).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339_and_uuids() {
        assert_eq!(rfc3339_ms(1_714_564_800_250), "2024-05-01T12:00:00.250Z");
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        assert_ne!(uuid_v4(), uuid_v4());
    }

    #[test]
    fn bodies_are_json() {
        let videos = vec![uuid_v4(), uuid_v4()];
        let batch: serde_json::Value = serde_json::from_slice(&feedback_batch(&videos, 0, 8)).unwrap();
        assert_eq!(batch["events"].as_array().unwrap().len(), 8);
        let rows: serde_json::Value = serde_json::from_str(&feedback_rpc_array(&videos, 0, 3)).unwrap();
        assert_eq!(rows[2]["feedback_type"], "not_interested");
        let watch: serde_json::Value = serde_json::from_slice(&watch_batch(&videos, 0, 20)).unwrap();
        assert_eq!(watch["events"][5]["event_type"], "seek");
        let _: serde_json::Value = serde_json::from_slice(&feedback_row("u", &videos, 5)).unwrap();
    }
}
