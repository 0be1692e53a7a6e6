//! wasm-bindgen glue: request in, Reply out (flow in `ingest::host`; `configure` is
//! exported by `edge::host`).

use edge::host::Reply;
use wasm_bindgen::prelude::*;

/// The database function that stores a validated batch (see supabase/migrations).
const RPC: &str = "ingest_watch_events";

#[wasm_bindgen]
pub async fn handle(method: String, headers_json: String, body: Vec<u8>) -> Reply {
    let env = edge::host::current_env();
    ingest::host::handle(&env, RPC, crate::plan, &method, &headers_json, &body).await
}

/// The compute path alone — validation and the RPC's parameters, no I/O — for
/// `cargo xtask bench` (P5 compares it with the same work in TypeScript).
#[wasm_bindgen]
pub fn plan_only(body: &[u8], now_ms: f64) -> String {
    match crate::plan(body, now_ms as i64) {
        Ok(plan) => serde_json::json!({ "events": plan.rpc_body }).to_string(),
        Err(err) => err.to_body(),
    }
}
