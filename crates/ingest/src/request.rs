//! Transport checks made before the body is read, so the glue stays a thin adapter.

use edge::{ApiError, ErrorCode};

use crate::limits::MAX_BODY_BYTES;

/// Accepts `POST` with `Content-Type: application/json` (optionally `; charset=utf-8`)
/// and a body of at most [`MAX_BODY_BYTES`]. CORS preflight (`OPTIONS`) is answered by
/// the glue before this is called, so here it is just another wrong method.
pub fn check_request(method: &str, content_type: Option<&str>, body_len: usize) -> Result<(), ApiError> {
    // HTTP methods are case-sensitive (RFC 9110 §9.1): `post` is not `POST`.
    if method != "POST" {
        return Err(ApiError::new(ErrorCode::MethodNotAllowed, "only POST is allowed"));
    }
    if !content_type.is_some_and(is_json_utf8) {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Content-Type must be application/json (charset, if given, utf-8)",
        ));
    }
    if body_len > MAX_BODY_BYTES {
        return Err(payload_too_large(body_len));
    }
    Ok(())
}

pub(crate) fn payload_too_large(body_len: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the body is {body_len} bytes; at most {MAX_BODY_BYTES} are accepted"),
    )
}

/// Media types and parameter names are case-insensitive (RFC 9110 §8.3.1); the only
/// parameter we take is a UTF-8 charset, since we never transcode.
fn is_json_utf8(content_type: &str) -> bool {
    let mut parts = content_type.split(';');
    let media_type = parts.next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return false;
    }
    parts.all(|parameter| {
        let Some((name, value)) = parameter.split_once('=') else {
            return false;
        };
        let value = value.trim();
        let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
        name.trim().eq_ignore_ascii_case("charset") && value.eq_ignore_ascii_case("utf-8")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: Result<(), ApiError>) -> Option<ErrorCode> {
        result.err().map(|e| e.code)
    }

    #[test]
    fn accepts_post_json_with_or_without_utf8_charset() {
        for ct in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON;charset=UTF-8",
            "application/json; charset=\"utf-8\"",
        ] {
            assert_eq!(check_request("POST", Some(ct), 10), Ok(()), "{ct}");
        }
    }

    #[test]
    fn rejects_other_methods_with_405() {
        for method in ["GET", "PUT", "OPTIONS", "post", ""] {
            let err = check_request(method, Some("application/json"), 1).unwrap_err();
            assert_eq!(err.code, ErrorCode::MethodNotAllowed, "{method}");
            assert_eq!(err.status(), 405);
        }
    }

    #[test]
    fn rejects_other_media_types_with_415() {
        for ct in [
            None,
            Some(""),
            Some("text/plain"),
            Some("application/json-patch+json"),
            Some("application/jsonx"),
            Some("application/json; charset=latin1"),
            Some("application/json; boundary=x"),
            Some("application/json; charset"),
        ] {
            assert_eq!(code(check_request("POST", ct, 1)), Some(ErrorCode::UnsupportedMediaType), "{ct:?}");
        }
    }

    #[test]
    fn body_limit_is_inclusive() {
        assert_eq!(check_request("POST", Some("application/json"), MAX_BODY_BYTES), Ok(()));
        let err = check_request("POST", Some("application/json"), MAX_BODY_BYTES + 1).unwrap_err();
        assert_eq!(err.code, ErrorCode::PayloadTooLarge);
        assert_eq!(err.status(), 413);
    }

    #[test]
    fn method_is_checked_before_media_type_and_size() {
        assert_eq!(code(check_request("GET", None, usize::MAX)), Some(ErrorCode::MethodNotAllowed));
        assert_eq!(code(check_request("POST", None, usize::MAX)), Some(ErrorCode::UnsupportedMediaType));
    }
}
