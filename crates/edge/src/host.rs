//! wasm32-only glue shared by every function: the reply handed back to `index.ts`, the
//! function's environment, and PostgREST calls with errors mapped into the taxonomy.
//! Kept thin on purpose: anything worth testing lives in the pure modules.

use std::collections::HashMap;

use postgrest::{Builder, Postgrest};
use wasm_bindgen::prelude::*;

use crate::error::ApiError;
use crate::testing::{self, PanicTrigger};
use crate::upstream;

/// What a function answers: `index.ts` turns it into a `Response`.
#[wasm_bindgen]
pub struct Reply {
    status: u16,
    body: String,
    retry_after: Option<u32>,
}

#[wasm_bindgen]
impl Reply {
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> u16 {
        self.status
    }
    #[wasm_bindgen(getter)]
    pub fn body(&self) -> String {
        self.body.clone()
    }
    #[wasm_bindgen(getter, js_name = retryAfter)]
    pub fn retry_after(&self) -> Option<u32> {
        self.retry_after
    }
}

impl Reply {
    pub fn json(status: u16, body: String) -> Self {
        Self { status, body, retry_after: None }
    }

    pub fn error(err: &ApiError) -> Self {
        Self { status: err.status(), body: err.to_body(), retry_after: err.retry_after_secs }
    }

    pub fn from_result(result: Result<(u16, String), ApiError>) -> Self {
        match result {
            Ok((status, body)) => Self::json(status, body),
            Err(err) => Self::error(&err),
        }
    }
}

/// Request headers as `index.ts` passes them: a JSON object with lower-case names.
pub fn parse_headers(json: &str) -> HashMap<String, String> {
    serde_json::from_str(json).unwrap_or_default()
}

thread_local! {
    static ENV: std::cell::RefCell<Env> = std::cell::RefCell::new(Env::default());
}

/// Exported by every function (wasm-bindgen exports from this crate too): `serve_wasm.ts`
/// hands the environment over once at start-up, and again after a reset.
#[wasm_bindgen]
pub fn configure(env_json: &str) {
    install_panic_hook();
    ENV.with(|e| *e.borrow_mut() = Env::parse(env_json));
}

/// The environment `configure` stored.
pub fn current_env() -> Env {
    ENV.with(|e| e.borrow().clone())
}

/// The function's environment (SUPABASE_URL, keys, secrets), handed over once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Env(HashMap<String, String>);

impl Env {
    pub fn parse(json: &str) -> Self {
        Self(serde_json::from_str(json).unwrap_or_default())
    }

    /// An optional setting: None when absent or empty.
    pub fn optional(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    pub fn get(&self, name: &str) -> Result<&str, ApiError> {
        self.0.get(name).map(String::as_str).filter(|v| !v.is_empty()).ok_or_else(|| {
            ApiError::new(crate::ErrorCode::ConfigMissing, format!("environment variable {name} is not set"))
        })
    }

    /// PostgREST at `$SUPABASE_URL/rest/v1`, authenticated as `bearer` with `apikey`.
    /// Header values are checked first: `postgrest` panics on an invalid header value.
    pub fn rest(&self, apikey: &str, bearer: &str) -> Result<Postgrest, ApiError> {
        let url = self.get("SUPABASE_URL")?;
        for value in [apikey, bearer] {
            if !value.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(ApiError::new(crate::ErrorCode::InvalidAuth, "credentials contain characters not allowed in a header"));
            }
        }
        Ok(Postgrest::new(format!("{}/rest/v1", url.trim_end_matches('/')))
            .insert_header("apikey", apikey)
            .insert_header("Authorization", format!("Bearer {bearer}")))
    }
}

/// Sends a PostgREST request; 2xx gives the body, anything else a classified error.
pub async fn send(builder: Builder) -> Result<String, ApiError> {
    let response = builder.execute().await.map_err(|e| upstream::unreachable(&e.to_string()))?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(|e| upstream::unreachable(&e.to_string()))?;
    if (200..300).contains(&status) {
        Ok(body)
    } else {
        Err(upstream::classify(status, &body))
    }
}

/// Name of the global the panic hook writes the panic message to; `serve_wasm.ts` reads it
/// right after the trap and logs it with the request id.
const LAST_PANIC_GLOBAL: &str = "__edgeLastPanic";

/// Records every panic's message and location for the glue to log (with `panic = "abort"`
/// the hook still runs, then the instance traps). Called by each function's `configure`.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        let _ = js_sys::Reflect::set(&js_sys::global(), &JsValue::from_str(LAST_PANIC_GLOBAL), &JsValue::from_str(&message));
    }));
}

/// The test-only panic trigger (see [`crate::testing`]): inert unless the environment has
/// `EDGE_TEST_PANICS=1`, which only the local test stack sets.
pub async fn test_panic_trigger(env: &Env, headers: &HashMap<String, String>) {
    let header = headers.get(testing::TEST_PANIC_HEADER).map(String::as_str);
    match testing::panic_trigger(env.optional(testing::TEST_PANICS_ENV), header) {
        PanicTrigger::None => {}
        PanicTrigger::Now => panic!("test-only panic (x-test-panic: 1, EDGE_TEST_PANICS=1)"),
        PanicTrigger::AfterAwait => {
            // One trip through the event loop: the panic then happens in a promise callback.
            let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await;
            panic!("test-only panic after an await (x-test-panic: after-await, EDGE_TEST_PANICS=1)");
        }
    }
}
