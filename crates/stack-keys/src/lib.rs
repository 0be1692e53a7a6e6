//! HS256 JWTs signed with the local JWT secret, shaped like the Supabase CLI's demo keys and
//! GoTrue's user tokens. Used by xtask (API keys) and the Rust end-to-end tests (users).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The Supabase CLI's well-known local secret: local only, never deployed.
pub const LOCAL_JWT_SECRET: &str = "super-secret-jwt-token-with-at-least-32-characters-long";

/// Signs a JSON payload given as text (so claim order is the caller's, as in the CLI's keys).
pub fn sign(secret: &str, payload_json: &str) -> String {
    let header = B64URL.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = B64URL.encode(payload_json);
    let signing_input = format!("{header}.{payload}");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac takes any key length");
    mac.update(signing_input.as_bytes());
    format!("{signing_input}.{}", B64URL.encode(mac.finalize().into_bytes()))
}

/// An API key for `role` (anon or service_role), valid for ten years like the CLI's.
pub fn api_key(secret: &str, role: &str) -> String {
    sign(secret, &format!(r#"{{"iss":"supabase-demo","role":"{role}","exp":1983812996}}"#))
}

/// A user's access token as GoTrue issues it: `sub`, `role: authenticated`, one hour.
/// `app_metadata_json` is a JSON object (e.g. `{"role":"admin"}`), `now` unix seconds.
pub fn user_token(secret: &str, sub: &str, app_metadata_json: &str, now: u64) -> String {
    sign(
        secret,
        &format!(
            r#"{{"sub":"{sub}","role":"authenticated","aud":"authenticated","iat":{now},"exp":{},"app_metadata":{app_metadata_json}}}"#,
            now + 3600
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_the_supabase_cli_demo_anon_key() {
        // The CLI prints this exact anon key for the default local secret.
        assert_eq!(
            api_key(LOCAL_JWT_SECRET, "anon"),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0"
        );
    }
}
