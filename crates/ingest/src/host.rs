//! wasm32-only: the request flow both ingestion functions share. check → caller (a signed-in
//! user's token, pure) → plan (pure) → one RPC as the calling user (their JWT, so RLS
//! decides) → merge → response. Nothing here decides anything the pure modules could.

use edge::host::{self, Env, Reply};
use edge::ApiError;

use crate::{bearer_token, build_response, check_request, user_from_token, DbOutcome, Plan};

/// The planner of one function: its event schema applied to a body.
pub type Planner = fn(&[u8], i64) -> Result<Plan, ApiError>;

pub async fn handle(env: &Env, rpc: &str, planner: Planner, method: &str, headers_json: &str, body: &[u8]) -> Reply {
    match respond(env, rpc, planner, method, headers_json, body).await {
        Ok(reply) => reply,
        Err(err) => Reply::error(&err),
    }
}

async fn respond(env: &Env, rpc: &str, planner: Planner, method: &str, headers_json: &str, body: &[u8]) -> Result<Reply, ApiError> {
    let headers = host::parse_headers(headers_json);
    host::test_panic_trigger(env, &headers).await;
    check_request(method, headers.get("content-type").map(String::as_str), body.len())?;
    let received_at_ms = js_sys::Date::now() as i64;
    let user_jwt = bearer_token(headers.get("authorization").map(String::as_str))?;
    user_from_token(user_jwt, received_at_ms)?;

    let plan = planner(body, received_at_ms)?;
    let outcome = if plan.events_to_write() > 0 {
        let rest = env.rest(env.get("SUPABASE_ANON_KEY")?, user_jwt)?;
        let params = serde_json::json!({ "events": plan.rpc_body }).to_string();
        let answer = host::send(rest.rpc(rpc, params)).await?;
        Some(DbOutcome::from_json(answer.as_bytes())?)
    } else {
        None
    };
    let response = build_response(&plan, outcome.as_ref())?;
    Ok(Reply::json(response.status(), response.to_body()))
}
