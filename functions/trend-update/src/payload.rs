//! The webhook delivery the database sends when rows of `trending_keywords` change.
//!
//! ```json
//! {
//!   "delivery_id": "0b6f7c2e-8d1a-4c55-9a43-2f1e5d8b7a10",
//!   "keywords": [{
//!     "outbox_id": 42,
//!     "keyword": "lofi beats",
//!     "trend_score": 71.5,
//!     "source": "youtube",
//!     "valid_until": "2025-05-08T00:00:00+00:00",
//!     "history": [{ "at": "2025-05-01T09:00:00+00:00", "score": 40.25 }]
//!   }],
//!   "sent_at": "2025-05-01T12:00:03.512+00:00"
//! }
//! ```
//!
//! Every field is required; the ones marked nullable may be `null` but not absent, so a
//! drifted SQL producer is caught instead of silently read as "no value". `history` holds
//! the observations recorded *before* this change, oldest first; `trend_score` is the value
//! now, observed at `sent_at`.

use edge::{ApiError, ErrorCode};
use serde::de::{Error as _, Unexpected, Visitor};
use serde::{Deserialize, Deserializer};

use self::calendar::parse_rfc3339;

/// Seconds since 1970-01-01T00:00:00Z.
pub type UnixSeconds = i64;

pub const MAX_KEYWORDS_PER_DELIVERY: usize = 10_000;
pub const MAX_HISTORY_POINTS: usize = 400;
pub const MAX_KEYWORD_CHARS: usize = 100;
/// `trend_score` is a DECIMAL(5,2) constrained to this range.
pub const SCORE_RANGE: std::ops::RangeInclusive<f64> = 0.0..=100.0;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    #[serde(deserialize_with = "uuid_text")]
    pub delivery_id: String,
    #[serde(deserialize_with = "objects")]
    pub keywords: Vec<KeywordChange>,
    #[serde(deserialize_with = "timestamp")]
    pub sent_at: UnixSeconds,
}

/// One outbox row: a keyword whose trend row changed, with what the function needs to know.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeywordChange {
    pub outbox_id: i64,
    #[serde(deserialize_with = "keyword_text")]
    pub keyword: String,
    #[serde(deserialize_with = "nullable_score")]
    pub trend_score: Option<f64>,
    // `Option::deserialize` (instead of serde's implicit default) makes the key required.
    #[serde(deserialize_with = "Option::deserialize")]
    pub source: Option<String>,
    #[serde(deserialize_with = "nullable_timestamp")]
    pub valid_until: Option<UnixSeconds>,
    #[serde(deserialize_with = "objects")]
    pub history: Vec<ScorePoint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScorePoint {
    #[serde(deserialize_with = "timestamp")]
    pub at: UnixSeconds,
    #[serde(deserialize_with = "score")]
    pub score: f64,
}

/// Parses and validates a delivery body. Errors name the offending field by its path,
/// e.g. `keywords[3].trend_score`.
pub fn parse_delivery(body: &[u8]) -> Result<Delivery, ApiError> {
    let mut json = serde_json::Deserializer::from_slice(body);
    let delivery: Delivery = serde_path_to_error::deserialize(ObjectsOnly(&mut json)).map_err(deserialize_error)?;
    // `deserialize` stops after the first value; trailing bytes make the body invalid JSON.
    json.end().map_err(|err| ApiError::new(ErrorCode::MalformedJson, err.to_string()))?;
    check_limits(&delivery)?;
    Ok(delivery)
}

/// Rules about sizes and ordering, which serde cannot express per field.
fn check_limits(delivery: &Delivery) -> Result<(), ApiError> {
    let count = delivery.keywords.len();
    if count == 0 {
        return Err(
            ApiError::new(ErrorCode::EmptyBatch, "a delivery must carry at least one keyword").with_field("keywords")
        );
    }
    if count > MAX_KEYWORDS_PER_DELIVERY {
        return Err(ApiError::new(
            ErrorCode::BatchTooLarge,
            format!("{count} keywords in one delivery; at most {MAX_KEYWORDS_PER_DELIVERY}"),
        )
        .with_field("keywords"));
    }
    for (k, change) in delivery.keywords.iter().enumerate() {
        let points = change.history.len();
        if points > MAX_HISTORY_POINTS {
            return Err(ApiError::new(
                ErrorCode::InvalidValue,
                format!("{points} history points; at most {MAX_HISTORY_POINTS} (the newest)"),
            )
            .with_field(format!("keywords[{k}].history")));
        }
        // Daily aggregation keeps "the last value of a day", which is only right in time order;
        // and history precedes the current value, observed at `sent_at`.
        let mut previous = UnixSeconds::MIN;
        for (p, point) in change.history.iter().enumerate() {
            if point.at < previous || point.at > delivery.sent_at {
                return Err(ApiError::new(
                    ErrorCode::InvalidValue,
                    "history must be oldest first and not later than sent_at",
                )
                .with_field(format!("keywords[{k}].history[{p}].at")));
            }
            previous = point.at;
        }
    }
    Ok(())
}

fn deserialize_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let mut field = err.path().to_string();
    let inner = err.into_inner();
    let message = inner.to_string();
    let code = match inner.classify() {
        // serde_json reports a number too large for f64 as a syntax error; for us it is a value.
        serde_json::error::Category::Syntax if message.starts_with("number out of range") => ErrorCode::InvalidValue,
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof | serde_json::error::Category::Io => {
            return ApiError::new(ErrorCode::MalformedJson, message);
        }
        serde_json::error::Category::Data => data_error_code(&message),
    };
    // For a missing field the path stops at its parent object; serde names the field in backticks.
    if code == ErrorCode::MissingField {
        if let Some(name) = message.split('`').nth(1) {
            field = if field == "." { name.to_owned() } else { format!("{field}.{name}") };
        }
    }
    let error = ApiError::new(code, message);
    if field == "." {
        error // the body as a whole (e.g. not an object): no field to name
    } else {
        error.with_field(field)
    }
}

/// serde's data errors carry no kind, only their (stable) message wording.
fn data_error_code(message: &str) -> ErrorCode {
    if message.starts_with("unknown field") {
        ErrorCode::UnknownField
    } else if message.starts_with("missing field") {
        ErrorCode::MissingField
    } else if message.starts_with("invalid type") {
        ErrorCode::InvalidType
    } else if message.starts_with("duplicate field") {
        ErrorCode::ValidationFailed
    } else {
        // "invalid value", "invalid length" and our own range checks.
        ErrorCode::InvalidValue
    }
}

/// serde's derived structs also accept a JSON array of the field values in declaration
/// order. A contract of named fields should not, so every struct is read through this view
/// of a deserializer, which only lets maps in ("invalid type: sequence, expected struct …").
struct ObjectsOnly<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectsOnly<D> {
    type Error = D::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(visitor)
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// A list element that must be a JSON object (see `ObjectsOnly`).
struct Object<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(ObjectsOnly(deserializer)).map(Object)
    }
}

fn objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
    let list = Vec::<Object<T>>::deserialize(deserializer)?;
    Ok(list.into_iter().map(|Object(value)| value).collect())
}

fn score<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    let value = f64::deserialize(deserializer)?;
    // serde_json cannot produce NaN or infinities, but the range check rejects them anyway.
    if SCORE_RANGE.contains(&value) {
        Ok(value)
    } else {
        Err(D::Error::invalid_value(Unexpected::Float(value), &"a score between 0 and 100"))
    }
}

fn nullable_score<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    struct Checked(#[serde(deserialize_with = "score")] f64);
    Ok(Option::<Checked>::deserialize(deserializer)?.map(|Checked(value)| value))
}

fn timestamp<'de, D: Deserializer<'de>>(deserializer: D) -> Result<UnixSeconds, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_rfc3339(&text).ok_or_else(|| {
        D::Error::invalid_value(Unexpected::Str(&text), &"an RFC 3339 timestamp like 2025-05-01T12:00:00Z")
    })
}

fn nullable_timestamp<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<UnixSeconds>, D::Error> {
    #[derive(Deserialize)]
    struct Checked(#[serde(deserialize_with = "timestamp")] UnixSeconds);
    Ok(Option::<Checked>::deserialize(deserializer)?.map(|Checked(value)| value))
}

fn keyword_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    if text.trim().is_empty() || text.chars().count() > MAX_KEYWORD_CHARS {
        return Err(D::Error::invalid_value(Unexpected::Str(&text), &"1 to 100 characters, not blank"));
    }
    Ok(text)
}

fn uuid_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    let is_uuid = text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    if is_uuid {
        Ok(text)
    } else {
        Err(D::Error::invalid_value(Unexpected::Str(&text), &"a UUID like 0b6f7c2e-8d1a-4c55-9a43-2f1e5d8b7a10"))
    }
}

/// Proleptic Gregorian calendar arithmetic on UTC days, enough for RFC 3339 and `DATE`s.
pub mod calendar {
    pub use edge::civil::{civil_from_days, days_from_civil};
    use edge::civil::days_in_month;

    use super::UnixSeconds;

    pub const SECONDS_PER_DAY: i64 = 86_400;

    /// Days since 1970-01-01 of the UTC day containing `at`.
    pub fn day_of(at: UnixSeconds) -> i64 {
        at.div_euclid(SECONDS_PER_DAY)
    }

    /// Hour of the UTC day, 0..=23.
    pub fn hour_of(at: UnixSeconds) -> i64 {
        at.rem_euclid(SECONDS_PER_DAY) / 3_600
    }

    /// Day of the week, 0 = Sunday (1970-01-01 was a Thursday).
    pub fn weekday_of(at: UnixSeconds) -> i64 {
        (day_of(at) + 4).rem_euclid(7)
    }

    /// `YYYY-MM-DD`, the text form PostgreSQL accepts for a `DATE`.
    pub fn format_day(day: i64) -> String {
        let (year, month, day_of_month) = civil_from_days(day);
        format!("{year:04}-{month:02}-{day_of_month:02}")
    }

    /// Strict RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, `T`/`Z` in either case)
    /// to unix seconds; the fraction is dropped (floor). Leap seconds (`:60`) are refused:
    /// PostgreSQL never emits them.
    pub fn parse_rfc3339(text: &str) -> Option<UnixSeconds> {
        let b = text.as_bytes();
        let digits = |from: usize, len: usize| -> Option<i64> {
            let slice = b.get(from..from + len)?;
            slice.iter().try_fold(0_i64, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0')))
        };
        let separator = |at: usize, allowed: &[u8]| b.get(at).is_some_and(|c| allowed.contains(c));

        if !(separator(4, b"-")
            && separator(7, b"-")
            && separator(10, b"Tt")
            && separator(13, b":")
            && separator(16, b":"))
        {
            return None;
        }
        let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
        let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }

        let mut rest = b.get(19..)?;
        if let Some(fraction) = rest.strip_prefix(b".") {
            let count = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
            if count == 0 {
                return None;
            }
            rest = &fraction[count..];
        }
        let offset_seconds = match rest {
            b"Z" | b"z" => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let two = |hi: u8, lo: u8| {
                    (hi.is_ascii_digit() && lo.is_ascii_digit())
                        .then(|| i64::from(hi - b'0') * 10 + i64::from(lo - b'0'))
                };
                let (offset_hour, offset_minute) = (two(*h1, *h2)?, two(*m1, *m2)?);
                if offset_hour > 23 || offset_minute > 59 {
                    return None;
                }
                let magnitude = offset_hour * 3_600 + offset_minute * 60;
                if *sign == b'+' {
                    magnitude
                } else {
                    -magnitude
                }
            }
            _ => return None,
        };
        let local = days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3_600 + minute * 60 + second;
        Some(local - offset_seconds)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn parses_utc_and_offsets_to_the_same_instant() {
            assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
            assert_eq!(parse_rfc3339("2025-05-01T12:00:00Z"), Some(1_746_100_800));
            assert_eq!(parse_rfc3339("2025-05-01T14:30:00+02:30"), Some(1_746_100_800));
            assert_eq!(parse_rfc3339("2025-05-01t09:00:00-03:00"), Some(1_746_100_800));
            assert_eq!(parse_rfc3339("2025-05-01T12:00:00.999999+00:00"), Some(1_746_100_800));
            assert_eq!(parse_rfc3339("2025-05-01T12:00:00-00:00"), Some(1_746_100_800));
            assert_eq!(parse_rfc3339("1969-12-31T23:59:59z"), Some(-1));
        }

        #[test]
        fn leap_days_follow_the_gregorian_rules() {
            assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z"), Some(1_709_164_800));
            assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400));
            assert_eq!(parse_rfc3339("2023-02-29T00:00:00Z"), None);
            assert_eq!(parse_rfc3339("1900-02-29T00:00:00Z"), None);
        }

        #[test]
        fn rejects_anything_loose() {
            for text in [
                "",
                "2025-05-01",
                "2025-05-01T12:00:00",  // no offset
                "2025-05-01 12:00:00Z", // space separator
                "2025-05-01T12:00Z",    // no seconds
                "2025-5-01T12:00:00Z",  // one-digit month
                "2025-13-01T00:00:00Z",
                "2025-04-31T00:00:00Z",
                "2025-05-01T24:00:00Z",
                "2025-05-01T23:60:00Z",
                "2025-06-30T23:59:60Z",     // leap second
                "2025-05-01T12:00:00.Z",    // empty fraction
                "2025-05-01T12:00:00+0200", // offset without colon
                "2025-05-01T12:00:00+24:00",
                "2025-05-01T12:00:00Z ", // trailing space
                "+025-05-01T12:00:00Z",
                "2025-05-01T12:00:00ZZ",
                "２０２５-05-01T12:00:00Z", // non-ASCII digits
            ] {
                assert_eq!(parse_rfc3339(text), None, "{text:?}");
            }
        }

        #[test]
        fn days_round_trip_through_the_civil_calendar() {
            for day in [-719_468, -1, 0, 59, 10_956, 11_016, 19_783, 20_209, 2_932_896] {
                let (year, month, day_of_month) = civil_from_days(day);
                assert_eq!(days_from_civil(year, month, day_of_month), day);
            }
            assert_eq!(format_day(0), "1970-01-01");
            assert_eq!(format_day(19_782), "2024-02-29");
            assert_eq!(format_day(20_209), "2025-05-01");
            assert_eq!(format_day(-1), "1969-12-31");
        }

        #[test]
        fn slots_are_utc_hour_and_weekday() {
            let thursday_noon = 12 * 3_600;
            assert_eq!((weekday_of(thursday_noon), hour_of(thursday_noon)), (4, 12));
            let sunday_late = 3 * SECONDS_PER_DAY + 23 * 3_600 + 59;
            assert_eq!((weekday_of(sunday_late), hour_of(sunday_late)), (0, 23));
            assert_eq!((day_of(-1), hour_of(-1), weekday_of(-1)), (-1, 23, 3));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const UUID: &str = "0b6f7c2e-8d1a-4c55-9a43-2f1e5d8b7a10";

    fn valid() -> Value {
        json!({
            "delivery_id": UUID,
            "keywords": [{
                "outbox_id": 42,
                "keyword": "lofi beats",
                "trend_score": 71.5,
                "source": "youtube",
                "valid_until": "2025-05-08T00:00:00+00:00",
                "history": [
                    { "at": "2025-05-01T09:00:00+00:00", "score": 40.25 },
                    { "at": "2025-05-01T10:00:00Z", "score": 0 }
                ]
            }],
            "sent_at": "2025-05-01T12:00:03.512+00:00"
        })
    }

    fn parse(value: &Value) -> Result<Delivery, ApiError> {
        parse_delivery(value.to_string().as_bytes())
    }

    fn rejection(value: &Value) -> (ErrorCode, Option<String>) {
        let err = parse(value).expect_err("must be rejected");
        (err.code, err.field)
    }

    fn field(path: &str) -> Option<String> {
        Some(path.to_owned())
    }

    #[test]
    fn parses_a_valid_delivery() {
        let delivery = parse(&valid()).unwrap();
        assert_eq!(delivery.delivery_id, UUID);
        assert_eq!(delivery.sent_at, 1_746_100_803);
        let change = &delivery.keywords[0];
        assert_eq!(change.outbox_id, 42);
        assert_eq!(change.keyword, "lofi beats");
        assert_eq!(change.trend_score, Some(71.5));
        assert_eq!(change.source.as_deref(), Some("youtube"));
        assert_eq!(change.valid_until, Some(1_746_662_400));
        assert_eq!(
            change.history,
            vec![ScorePoint { at: 1_746_090_000, score: 40.25 }, ScorePoint { at: 1_746_093_600, score: 0.0 },]
        );
    }

    #[test]
    fn nullable_fields_accept_null() {
        let mut body = valid();
        for key in ["trend_score", "source", "valid_until"] {
            body["keywords"][0][key] = Value::Null;
        }
        body["keywords"][0]["history"] = json!([]);
        let change = &parse(&body).unwrap().keywords[0];
        assert_eq!((change.trend_score, change.source.as_deref(), change.valid_until), (None, None, None));
    }

    #[test]
    fn syntax_errors_are_malformed_json() {
        for body in
            [&b""[..], b"{", b"{\"delivery_id\": }", b"{\"delivery_id\" 1}", &[0xff, 0xfe], b"{\"keywords\": [{"]
        {
            let err = parse_delivery(body).expect_err("must be rejected");
            assert_eq!((err.code, err.field), (ErrorCode::MalformedJson, None), "{body:?}");
        }
        let mut trailing = valid().to_string();
        trailing.push_str(" x");
        assert_eq!(parse_delivery(trailing.as_bytes()).unwrap_err().code, ErrorCode::MalformedJson);
    }

    #[test]
    fn unknown_fields_are_named_by_path() {
        let mut body = valid();
        body["keywords"][0]["history"][1]["weight"] = json!(1);
        assert_eq!(rejection(&body), (ErrorCode::UnknownField, field("keywords[0].history[1].weight")));

        let mut body = valid();
        body["extra"] = json!(true);
        assert_eq!(rejection(&body), (ErrorCode::UnknownField, field("extra")));
    }

    #[test]
    fn missing_fields_are_named_by_path_even_when_nullable() {
        for key in ["outbox_id", "keyword", "trend_score", "source", "valid_until", "history"] {
            let mut body = valid();
            body["keywords"][0].as_object_mut().unwrap().remove(key);
            assert_eq!(rejection(&body), (ErrorCode::MissingField, field(&format!("keywords[0].{key}"))));
        }
        let mut body = valid();
        body.as_object_mut().unwrap().remove("sent_at");
        assert_eq!(rejection(&body), (ErrorCode::MissingField, field("sent_at")));
    }

    #[test]
    fn wrong_types_are_invalid_type() {
        let cases = [
            ("/keywords/0/trend_score", json!("71.5"), "keywords[0].trend_score"),
            ("/keywords/0/outbox_id", json!(4.2), "keywords[0].outbox_id"),
            ("/keywords/0/history", json!({}), "keywords[0].history"),
            ("/keywords/0/history/0/at", json!(1_746_090_000), "keywords[0].history[0].at"),
            ("/keywords", json!("lofi"), "keywords"),
        ];
        for (pointer, value, path) in cases {
            let mut body = valid();
            *body.pointer_mut(pointer).unwrap() = value;
            assert_eq!(rejection(&body), (ErrorCode::InvalidType, field(path)), "{pointer}");
        }
        // Structs as positional arrays, which serde would otherwise accept.
        assert_eq!(rejection(&json!([UUID, [], "2025-05-01T12:00:00Z"])), (ErrorCode::InvalidType, None));
        let mut body = valid();
        body["keywords"][0] = json!([42, "lofi beats", 71.5, null, null, []]);
        assert_eq!(rejection(&body), (ErrorCode::InvalidType, field("keywords[0]")));
        let mut body = valid();
        body["keywords"][0]["history"][0] = json!(["2025-05-01T09:00:00Z", 40.25]);
        assert_eq!(rejection(&body), (ErrorCode::InvalidType, field("keywords[0].history[0]")));
    }

    #[test]
    fn out_of_range_values_are_invalid_value() {
        let cases = [
            ("/keywords/0/trend_score", json!(100.01), "keywords[0].trend_score"),
            ("/keywords/0/trend_score", json!(-0.5), "keywords[0].trend_score"),
            ("/keywords/0/history/1/score", json!(250), "keywords[0].history[1].score"),
            ("/keywords/0/keyword", json!("   "), "keywords[0].keyword"),
            ("/keywords/0/keyword", json!(""), "keywords[0].keyword"),
            ("/keywords/0/keyword", json!("k".repeat(101)), "keywords[0].keyword"),
            ("/keywords/0/valid_until", json!("tomorrow"), "keywords[0].valid_until"),
            ("/delivery_id", json!("not-a-uuid"), "delivery_id"),
            ("/sent_at", json!("2025-02-30T00:00:00Z"), "sent_at"),
        ];
        for (pointer, value, path) in cases {
            let mut body = valid();
            *body.pointer_mut(pointer).unwrap() = value;
            assert_eq!(rejection(&body), (ErrorCode::InvalidValue, field(path)), "{pointer}");
        }
        // 100 characters is the limit, counted as characters rather than bytes.
        let mut body = valid();
        body["keywords"][0]["keyword"] = json!("é".repeat(100));
        assert!(parse(&body).is_ok());
    }

    #[test]
    fn numbers_beyond_f64_are_invalid_values_not_syntax() {
        let body = valid().to_string().replace("71.5", "1e999");
        let err = parse_delivery(body.as_bytes()).unwrap_err();
        assert_eq!((err.code, err.field.as_deref()), (ErrorCode::InvalidValue, Some("keywords[0].trend_score")));
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let body = valid().to_string().replacen("\"outbox_id\":42", "\"outbox_id\":42,\"outbox_id\":43", 1);
        assert_eq!(parse_delivery(body.as_bytes()).unwrap_err().code, ErrorCode::ValidationFailed);
    }

    #[test]
    fn batch_size_is_bounded() {
        let mut body = valid();
        body["keywords"] = json!([]);
        assert_eq!(rejection(&body), (ErrorCode::EmptyBatch, field("keywords")));

        let one = valid()["keywords"][0].clone();
        body["keywords"] = Value::Array(vec![one; MAX_KEYWORDS_PER_DELIVERY + 1]);
        assert_eq!(rejection(&body), (ErrorCode::BatchTooLarge, field("keywords")));
    }

    #[test]
    fn history_is_bounded_and_ordered() {
        let point = json!({ "at": "2025-05-01T09:00:00Z", "score": 1 });
        let mut body = valid();
        body["keywords"][0]["history"] = Value::Array(vec![point.clone(); MAX_HISTORY_POINTS]);
        assert!(parse(&body).is_ok(), "equal timestamps are allowed");
        body["keywords"][0]["history"] = Value::Array(vec![point; MAX_HISTORY_POINTS + 1]);
        assert_eq!(rejection(&body), (ErrorCode::InvalidValue, field("keywords[0].history")));

        let mut body = valid();
        body["keywords"][0]["history"][1]["at"] = json!("2025-05-01T08:59:59Z");
        assert_eq!(rejection(&body), (ErrorCode::InvalidValue, field("keywords[0].history[1].at")));

        let mut body = valid();
        body["keywords"][0]["history"][1]["at"] = json!("2025-05-01T12:00:04Z"); // after sent_at
        assert_eq!(rejection(&body), (ErrorCode::InvalidValue, field("keywords[0].history[1].at")));
    }
}
