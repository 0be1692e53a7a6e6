//! wasm-bindgen glue: environment in once, request in, Reply out. No logic worth testing here.

use std::cell::RefCell;

use edge::host::{self, Env, Reply};
use edge::webhook::{self, SignatureHeaders};
use edge::{ApiError, ErrorCode};
use wasm_bindgen::prelude::*;

thread_local! {
    static ENV: RefCell<Env> = RefCell::new(Env::default());
}

#[wasm_bindgen]
pub fn configure(env_json: &str) {
    ENV.with(|e| *e.borrow_mut() = Env::parse(env_json));
}

#[wasm_bindgen]
pub async fn handle(method: String, headers_json: String, body: Vec<u8>) -> Reply {
    let env = ENV.with(|e| e.borrow().clone());
    Reply::from_result(respond(&env, &method, &headers_json, &body).await)
}

async fn respond(env: &Env, method: &str, headers_json: &str, body: &[u8]) -> Result<(u16, String), ApiError> {
    if method != "POST" {
        return Err(ApiError::new(ErrorCode::MethodNotAllowed, "trend-update accepts POST only"));
    }
    let headers = host::parse_headers(headers_json);
    let secret = webhook::decode_secret(env.get("TREND_WEBHOOK_SECRET")?);
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let signature = SignatureHeaders {
        id: headers.get("webhook-id").map(String::as_str),
        timestamp: headers.get("webhook-timestamp").map(String::as_str),
        signature: headers.get("webhook-signature").map(String::as_str),
    };
    let delivery = webhook::verify(&secret, &signature, body, now)?;

    let payload: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::new(ErrorCode::MalformedJson, format!("body is not JSON: {e}")))?;
    let keywords: Vec<String> = payload["keywords"]
        .as_array()
        .map(|ks| ks.iter().filter_map(|k| k["keyword"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();

    let key = env.get("SUPABASE_SERVICE_ROLE_KEY")?;
    let rest = env.rest(key, key)?;
    let rows = host::send(rest.from("trending_keywords").select("keyword,trend_score,source").in_("keyword", &keywords)).await?;
    let rows: serde_json::Value = serde_json::from_str(&rows).unwrap_or_default();
    let summary = serde_json::json!({
        "delivery_id": delivery.id,
        "keywords_processed": keywords.len(),
        "rows_read": rows,
    });
    Ok((200, summary.to_string()))
}
