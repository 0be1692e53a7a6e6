//! wasm-bindgen glue: environment in once, request in, Reply out (flow in `ingest::host`).

use std::cell::RefCell;

use edge::host::{Env, Reply};
use wasm_bindgen::prelude::*;

/// The database function that stores a validated batch (see supabase/migrations).
const RPC: &str = "ingest_watch_events";

thread_local! {
    static ENV: RefCell<Env> = RefCell::new(Env::default());
}

#[wasm_bindgen]
pub fn configure(env_json: &str) {
    edge::host::install_panic_hook();
    ENV.with(|e| *e.borrow_mut() = Env::parse(env_json));
}

#[wasm_bindgen]
pub async fn handle(method: String, headers_json: String, body: Vec<u8>) -> Reply {
    let env = ENV.with(|e| e.borrow().clone());
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
