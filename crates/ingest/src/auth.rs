//! Who may post events: a signed-in user, and only one. The platform (`verify_jwt = true`)
//! has already checked the token's signature and expiry before the function runs, but it
//! accepts any project JWT — the anon key and the service-role key included — and ignores
//! `aud`. So the core refuses, with 401 `invalid_auth`, every token that is not a user's
//! access token: role other than `authenticated`, an audience without `authenticated`, no
//! UUID subject, or no (or a past) expiry. The signature is not checked again here.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use edge::{ApiError, ErrorCode};
use serde_json::Value;

use crate::uuid::parse_uuid;

/// The role and audience GoTrue puts in a signed-in user's access token.
pub const USER_ROLE: &str = "authenticated";
pub const USER_AUDIENCE: &str = "authenticated";

/// Longest token we look into (GoTrue's are well under 2 KiB; app_metadata can grow).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The caller, as the token names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// `sub`, lower-case canonical UUID (= `auth.uid()` = `users.id`).
    pub id: String,
}

/// The token of `Authorization: Bearer <token>` (scheme case-insensitive), else 401
/// `missing_auth`.
pub fn bearer_token(authorization: Option<&str>) -> Result<&str, ApiError> {
    authorization
        .map(str::trim)
        .and_then(|v| v.get(..7).filter(|s| s.eq_ignore_ascii_case("bearer ")).map(|_| v[7..].trim()))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::new(ErrorCode::MissingAuth, "Authorization: Bearer <user JWT> is required"))
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidAuth, message)
}

/// Reads the claims of an (already verified) JWT and accepts only a signed-in user's
/// access token that has not expired at `now_ms`.
pub fn user_from_token(token: &str, now_ms: i64) -> Result<User, ApiError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(invalid(format!("the token is over {MAX_TOKEN_BYTES} bytes")));
    }
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("the token is not a JWT (header.payload.signature)"));
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| invalid("the token's payload is not base64url"))?;
    let claims: Value = serde_json::from_slice(&bytes).map_err(|_| invalid("the token's payload is not a JSON object"))?;
    let Value::Object(claims) = claims else {
        return Err(invalid("the token's payload is not a JSON object"));
    };

    match claims.get("role").and_then(Value::as_str) {
        Some(USER_ROLE) => {}
        Some("anon") => return Err(invalid("the anon key is not a user's token: send the signed-in user's access token")),
        Some("service_role") => return Err(invalid("a service key cannot post a user's events: send the user's access token")),
        Some(other) => return Err(invalid(format!("role {other:?} may not post events; only signed-in users ({USER_ROLE}) may"))),
        None => return Err(invalid("the token has no role claim")),
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == USER_AUDIENCE,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(USER_AUDIENCE)),
        _ => false,
    };
    if !audience_ok {
        return Err(invalid(format!("the token is not for audience {USER_AUDIENCE:?}")));
    }
    let id = claims
        .get("sub")
        .and_then(Value::as_str)
        .and_then(parse_uuid)
        .ok_or_else(|| invalid("the token's subject (sub) is not a user id (UUID)"))?;
    // `exp` is a NumericDate: seconds, possibly fractional.
    let exp = claims.get("exp").and_then(Value::as_f64).ok_or_else(|| invalid("the token has no expiry (exp)"))?;
    #[allow(clippy::cast_precision_loss)]
    let now_secs = now_ms as f64 / 1000.0;
    if exp <= now_secs {
        return Err(invalid("the token has expired"));
    }
    Ok(User { id })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    const NOW_MS: i64 = 1_714_564_800_000;
    const SUB: &str = "0b9d7c1e-4f2a-4c3b-9d8e-7f6a5b4c3d2e";

    fn token(claims: &Value) -> String {
        let enc = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.c2ln", enc(&serde_json::json!({"alg": "HS256", "typ": "JWT"})), enc(claims))
    }

    fn user_claims() -> Value {
        serde_json::json!({ "sub": SUB, "role": "authenticated", "aud": "authenticated", "exp": NOW_MS / 1000 + 3600 })
    }

    fn with(key: &str, value: Value) -> Value {
        let mut claims = user_claims();
        claims[key] = value;
        claims
    }

    fn refused(token: &str) -> String {
        let err = user_from_token(token, NOW_MS).unwrap_err();
        assert_eq!((err.code, err.status()), (ErrorCode::InvalidAuth, 401), "{err}");
        err.message
    }

    #[test]
    fn a_signed_in_users_token_names_the_user() {
        assert_eq!(user_from_token(&token(&user_claims()), NOW_MS), Ok(User { id: SUB.into() }));
        let upper = with("sub", SUB.to_uppercase().into());
        assert_eq!(user_from_token(&token(&upper), NOW_MS).unwrap().id, SUB);
        let listed = with("aud", serde_json::json!(["other", "authenticated"]));
        assert!(user_from_token(&token(&listed), NOW_MS).is_ok());
    }

    #[test]
    fn the_anon_and_service_keys_are_not_users() {
        // The shape of the project's API keys: no sub, no aud.
        let anon = serde_json::json!({ "iss": "supabase-demo", "role": "anon", "exp": 1_983_812_996 });
        assert!(refused(&token(&anon)).contains("anon key"));
        let service = serde_json::json!({ "iss": "supabase-demo", "role": "service_role", "exp": 1_983_812_996 });
        assert!(refused(&token(&service)).contains("service key"));
        // Even dressed up with a user's sub and audience.
        assert!(refused(&token(&with("role", "anon".into()))).contains("anon key"));
        refused(&token(&with("role", "supabase_admin".into())));
        refused(&token(&with("role", Value::Null)));
    }

    #[test]
    fn a_wrong_or_missing_audience_is_refused() {
        for aud in [serde_json::json!("other-project"), serde_json::json!(["anon"]), serde_json::json!([]), Value::Null, serde_json::json!(1)] {
            assert!(refused(&token(&with("aud", aud.clone()))).contains("audience"), "{aud}");
        }
        let mut claims = user_claims();
        claims.as_object_mut().unwrap().remove("aud");
        refused(&token(&claims));
    }

    #[test]
    fn subject_must_be_a_user_id() {
        for sub in [Value::Null, "".into(), "admin".into(), "1".into(), serde_json::json!(42)] {
            assert!(refused(&token(&with("sub", sub))).contains("sub"));
        }
    }

    #[test]
    fn expired_or_unbounded_tokens_are_refused() {
        assert!(refused(&token(&with("exp", (NOW_MS / 1000 - 1).into()))).contains("expired"));
        assert!(refused(&token(&with("exp", (NOW_MS / 1000).into()))).contains("expired"));
        assert!(refused(&token(&with("exp", "never".into()))).contains("expiry"));
        let mut claims = user_claims();
        claims.as_object_mut().unwrap().remove("exp");
        refused(&token(&claims));
    }

    #[test]
    fn garbage_is_invalid_auth_not_a_panic() {
        let payload_not_json = format!("e30.{}.x", URL_SAFE_NO_PAD.encode("not json"));
        let payload_array = format!("e30.{}.x", URL_SAFE_NO_PAD.encode("[1]"));
        let standard_b64 = format!("e30.{}.x", STANDARD.encode("{\"role\":\"authenticated\"}>>>?"));
        for t in ["", "a", "a.b", "a.b.c.d", "...", "e30.!!!.x", &payload_not_json, &payload_array, &standard_b64, "user.jwt.token"] {
            refused(t);
        }
        refused(&"a".repeat(MAX_TOKEN_BYTES + 1));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_required() {
        assert_eq!(bearer_token(Some("Bearer abc")), Ok("abc"));
        assert_eq!(bearer_token(Some("bearer  abc ")), Ok("abc"));
        assert_eq!(bearer_token(Some("BEARER abc")), Ok("abc"));
        for value in [None, Some(""), Some("Bearer"), Some("Bearer "), Some("Basic abc"), Some("abc"), Some("Bearerabc")] {
            let err = bearer_token(value).unwrap_err();
            assert_eq!((err.code, err.status()), (ErrorCode::MissingAuth, 401), "{value:?}");
        }
    }
}
