//! Shared by the Rust end-to-end tests: the stack's coordinates (from `STACK_STATUS`, which
//! `cargo xtask test` sets) and clients for it. Not a default workspace member: these tests
//! need the running stack and fail loudly without it.

use std::time::{SystemTime, UNIX_EPOCH};

use postgrest::Postgrest;
use serde_json::Value;

pub struct Stack {
    pub api_url: String,
    pub anon_key: String,
    pub service_role_key: String,
    pub jwt_secret: String,
    pub functions_url: String,
}

impl Stack {
    pub fn from_env() -> Self {
        let raw = std::env::var("STACK_STATUS").expect("STACK_STATUS is not set: run these tests through `cargo xtask test`");
        let v: Value = serde_json::from_str(&raw).expect("STACK_STATUS is JSON");
        let get = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("STACK_STATUS lacks {k}")).to_owned();
        Self {
            api_url: get("API_URL"),
            anon_key: get("ANON_KEY"),
            service_role_key: get("SERVICE_ROLE_KEY"),
            jwt_secret: get("JWT_SECRET"),
            functions_url: get("FUNCTIONS_URL"),
        }
    }

    /// PostgREST through the gateway as `bearer` (a user JWT or an API key).
    pub fn rest_as(&self, bearer: &str) -> Postgrest {
        Postgrest::new(format!("{}/rest/v1", self.api_url))
            .insert_header("apikey", self.anon_key.as_str())
            .insert_header("Authorization", format!("Bearer {bearer}"))
    }

    pub fn service(&self) -> Postgrest {
        self.rest_as(&self.service_role_key.clone())
    }

    /// A signed-in user's access token (`app_metadata` as a JSON object text).
    pub fn user_token(&self, user_id: &str, app_metadata_json: &str) -> String {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        stack_keys::user_token(&self.jwt_secret, user_id, app_metadata_json, now)
    }
}

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}
