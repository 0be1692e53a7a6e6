//! The Rust `postgrest` client against the local stack through the gateway: RLS decides what
//! each user may read and write, and the ingestion RPC stores events for the caller only.

use e2e::{uuid, Stack};
use serde_json::{json, Value};

struct Fixtures {
    user_a: String,
    user_b: String,
    video: String,
}

fn fixtures() -> Fixtures {
    let raw = std::env::var("E2E_FIXTURES").expect("E2E_FIXTURES is set by `cargo xtask test`");
    let v: Value = serde_json::from_str(&raw).expect("fixtures are JSON");
    let get = |k: &str| v[k].as_str().expect("fixture id").to_owned();
    Fixtures { user_a: get("user_a"), user_b: get("user_b"), video: get("video") }
}

async fn body(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("response body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn feedback_event(video: &str) -> Value {
    json!({
        "event_id": uuid(), "video_id": video, "feedback_type": "like", "reason": null, "comment": null,
        "source_keyword": "rust", "position_in_list": 1, "session_id": null,
        "occurred_at": "2026-01-01T00:00:00Z", "client_occurred_at": "2026-01-01T00:00:00Z", "clamped": false
    })
}

#[tokio::test]
async fn the_ingest_rpc_stores_for_the_caller_and_rls_hides_it_from_others() {
    let stack = Stack::from_env();
    let f = fixtures();
    let a = stack.rest_as(&stack.user_token(&f.user_a, "{}"));
    let b = stack.rest_as(&stack.user_token(&f.user_b, "{}"));

    let event = feedback_event(&f.video);
    let params = json!({ "events": [event.clone()] }).to_string();
    let (status, out) = body(a.rpc("ingest_feedback_events", params.clone()).execute().await.expect("rpc")).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out, json!({ "accepted": 1, "duplicates": 0, "rejected": [] }));
    // The same call again is a duplicate, not a second row.
    let (_, again) = body(a.rpc("ingest_feedback_events", params).execute().await.expect("rpc")).await;
    assert_eq!(again["duplicates"], 1);

    let filter = event["event_id"].as_str().expect("id");
    let (_, mine) = body(a.from("user_feedback").select("user_id,event_id").eq("event_id", filter).execute().await.expect("select")).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
    assert_eq!(mine[0]["user_id"], f.user_a.as_str());
    let (_, theirs) = body(b.from("user_feedback").select("user_id").eq("event_id", filter).execute().await.expect("select")).await;
    assert_eq!(theirs, json!([]), "user B must not see user A's feedback");
}

#[tokio::test]
async fn a_user_cannot_insert_rows_for_another_user() {
    let stack = Stack::from_env();
    let f = fixtures();
    let a = stack.rest_as(&stack.user_token(&f.user_a, "{}"));
    let row = json!({ "user_id": f.user_b, "video_id": f.video, "feedback_type": "dislike" }).to_string();
    let (status, out) = body(a.from("user_feedback").insert(row).execute().await.expect("insert")).await;
    assert!(status == 401 || status == 403, "{status} {out}");
    assert_eq!(out["code"], "42501", "{out}");
}

#[tokio::test]
async fn a_user_cannot_raise_their_own_tier() {
    let stack = Stack::from_env();
    let f = fixtures();
    let a = stack.rest_as(&stack.user_token(&f.user_a, "{}"));
    let (status, out) = body(a.from("users").eq("id", &f.user_a).update(r#"{"user_tier":"premium"}"#).execute().await.expect("update")).await;
    assert!(status >= 400, "a tier change must be refused: {status} {out}");
    let (_, me) = body(a.from("users").select("user_tier").eq("id", &f.user_a).execute().await.expect("select")).await;
    assert_eq!(me[0]["user_tier"], "free");
}

#[tokio::test]
async fn anon_reads_the_public_catalogue_but_no_user_rows() {
    let stack = Stack::from_env();
    let f = fixtures();
    let anon = stack.rest_as(&stack.anon_key);
    let (status, videos) = body(anon.from("cached_videos").select("id").eq("id", &f.video).execute().await.expect("select")).await;
    assert_eq!(status, 200);
    assert_eq!(videos.as_array().map(Vec::len), Some(1));
    let (status, users) = body(anon.from("users").select("id").execute().await.expect("select")).await;
    assert!(status >= 400 || users == json!([]), "anon must not read users: {status} {users}");
}

#[tokio::test]
async fn the_service_role_writes_the_catalogue_and_users_cannot() {
    let stack = Stack::from_env();
    let f = fixtures();
    let keyword = format!("rust-{}", &uuid()[..8]);
    let (status, out) = body(
        stack.service().from("trending_keywords").insert(json!({ "keyword": keyword, "trend_score": 12, "source": "rust" }).to_string())
            .execute().await.expect("insert"),
    )
    .await;
    assert!(status == 201 || status == 200, "{status} {out}");
    let a = stack.rest_as(&stack.user_token(&f.user_a, "{}"));
    let (status, out) = body(a.from("trending_keywords").insert(json!({ "keyword": format!("{keyword}-x"), "trend_score": 1 }).to_string())
        .execute().await.expect("insert")).await;
    assert!(status == 401 || status == 403, "{status} {out}");
}
