//! wasm-bindgen glue: environment in once, request in, Reply out. The flow is
//! verify → read context (one RPC) → plan (pure) → apply (one RPC); every decision is made
//! by the pure modules.

use edge::host::{self, Env, Reply};
use edge::webhook::{self, SignatureHeaders};
use edge::{ApiError, ErrorCode};
use wasm_bindgen::prelude::*;

use crate::notice::{check_body_size, parse_context, parse_notice};
use crate::payload::parse_delivery;
use crate::plan::{plan_delivery, PlanSummary};

#[wasm_bindgen]
pub async fn handle(method: String, headers_json: String, body: Vec<u8>) -> Reply {
    let env = edge::host::current_env();
    Reply::from_result(respond(&env, &method, &headers_json, &body).await)
}

async fn respond(env: &Env, method: &str, headers_json: &str, body: &[u8]) -> Result<(u16, String), ApiError> {
    if method != "POST" {
        return Err(ApiError::new(ErrorCode::MethodNotAllowed, "trend-update accepts POST only"));
    }
    let headers = host::parse_headers(headers_json);
    host::test_panic_trigger(env, &headers).await;
    check_body_size(body.len())?;
    let secret = webhook::decode_secret(env.get("TREND_WEBHOOK_SECRET")?);
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let signature = SignatureHeaders {
        id: headers.get("webhook-id").map(String::as_str),
        timestamp: headers.get("webhook-timestamp").map(String::as_str),
        signature: headers.get("webhook-signature").map(String::as_str),
    };
    let verified = webhook::verify(&secret, &signature, body, now)?;
    let notice = parse_notice(body)?;

    let key = env.get("SUPABASE_SERVICE_ROLE_KEY")?;
    let rest = env.rest(key, key)?;
    let params = serde_json::json!({ "p_webhook_id": verified.id, "p_outbox_ids": notice.outbox_ids }).to_string();
    let context = parse_context(&host::send(rest.rpc("trend_delivery_context", params)).await?)?;
    let Some(delivery) = context.delivery else {
        let empty = PlanSummary { keywords_processed: 0, predictions_written: 0, mappings_reranked: 0, actuals_backfilled: 0 };
        return Ok((200, serde_json::to_string(&empty).unwrap_or_default()));
    };
    let delivery = parse_delivery(delivery.get().as_bytes())
        .map_err(|e| ApiError::new(ErrorCode::UpstreamError, format!("trend_delivery_context gave an invalid delivery: {e}")))?;

    let plan = plan_delivery(&delivery, &context.mappings, now);
    let params = serde_json::json!({ "p_webhook_id": verified.id, "p_plan": plan }).to_string();
    host::send(rest.rpc("trend_apply_plan", params)).await?;
    Ok((200, serde_json::to_string(&plan.summary).unwrap_or_default()))
}

/// The pure planner on a given delivery and clock, for backtests (tests/forecast_quality):
/// the plan JSON, or the error body. Reads and writes nothing.
#[wasm_bindgen]
pub fn plan_for_backtest(delivery_json: &str, now_secs: f64) -> String {
    match parse_delivery(delivery_json.as_bytes()) {
        Ok(delivery) => serde_json::to_string(&plan_delivery(&delivery, &[], now_secs as i64)).unwrap_or_default(),
        Err(err) => err.to_body(),
    }
}
