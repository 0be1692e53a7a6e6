//! Typed field readers on [`StrictObject`]. Each checks one field's JSON type, then its
//! value, and names the field in the error. `null` counts as absent everywhere, so a
//! required field that is `null` is `missing_field`.

use std::ops::RangeInclusive;

use edge::{ApiError, ErrorCode};
use serde_json::value::RawValue;

use crate::object::{JsonKind, StrictObject};
use crate::path::shorten_for_echo;
use crate::timestamp::parse_rfc3339_ms;
use crate::uuid::parse_uuid;
use crate::wire_enum::{allowed_values, from_wire, WireEnum};

/// Bounds and cleaning of a free-text field. Lengths count Unicode scalar values (what
/// PostgreSQL's `char_length` counts), after trimming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    pub max_chars: usize,
    /// Allows `\n` and `\t`; every other control character is refused either way, as
    /// they only serve to corrupt logs and admin screens.
    pub multiline: bool,
    /// Treats text that is empty after trimming as absent instead of refusing it.
    pub blank_is_absent: bool,
}

/// `source_keyword`, shared by both event types: the search keyword the video came from,
/// 1..=100 characters on one line.
pub const SOURCE_KEYWORD: TextRule = TextRule { max_chars: 100, multiline: false, blank_is_absent: false };

/// Bounds of a non-integer number field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NumberBounds {
    pub min: f64,
    /// `false` makes `min` itself out of bounds (durations must be > 0).
    pub min_inclusive: bool,
    pub max: f64,
}

impl NumberBounds {
    /// `0 <= n <= max`.
    pub const fn zero_to(max: f64) -> Self {
        Self { min: 0.0, min_inclusive: true, max }
    }

    /// `0 < n <= max`.
    pub const fn above_zero_to(max: f64) -> Self {
        Self { min: 0.0, min_inclusive: false, max }
    }

    fn contains(&self, number: f64) -> bool {
        let above_min = if self.min_inclusive { number >= self.min } else { number > self.min };
        above_min && number <= self.max
    }

    fn describe(&self) -> String {
        let min_operator = if self.min_inclusive { ">=" } else { ">" };
        format!("must be a number {min_operator} {} and <= {}", self.min, self.max)
    }
}

impl StrictObject<'_> {
    pub fn required_uuid(&self, name: &str) -> Result<String, ApiError> {
        self.required(name, |raw| self.read_uuid(name, raw))
    }

    pub fn optional_uuid(&self, name: &str) -> Result<Option<String>, ApiError> {
        self.optional(name, |raw| self.read_uuid(name, raw))
    }

    /// Unix milliseconds of an RFC 3339 timestamp (see `timestamp` for the grammar).
    pub fn required_timestamp_ms(&self, name: &str) -> Result<i64, ApiError> {
        self.required(name, |raw| self.read_timestamp_ms(name, raw))
    }

    pub fn optional_timestamp_ms(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.optional(name, |raw| self.read_timestamp_ms(name, raw))
    }

    pub fn required_enum<T: WireEnum>(&self, name: &str) -> Result<T, ApiError> {
        self.required(name, |raw| self.read_enum(name, raw))
    }

    pub fn optional_enum<T: WireEnum>(&self, name: &str) -> Result<Option<T>, ApiError> {
        self.optional(name, |raw| self.read_enum(name, raw))
    }

    /// Trimmed text; None when absent, or blank and `rule.blank_is_absent`.
    pub fn optional_text(&self, name: &str, rule: TextRule) -> Result<Option<String>, ApiError> {
        Ok(self.optional(name, |raw| self.read_text(name, raw, rule))?.flatten())
    }

    pub fn optional_integer(&self, name: &str, range: RangeInclusive<i64>) -> Result<Option<i64>, ApiError> {
        self.optional(name, |raw| self.read_integer(name, raw, &range))
    }

    pub fn required_number(&self, name: &str, bounds: NumberBounds) -> Result<f64, ApiError> {
        self.required(name, |raw| self.read_number(name, raw, bounds))
    }

    pub fn optional_number(&self, name: &str, bounds: NumberBounds) -> Result<Option<f64>, ApiError> {
        self.optional(name, |raw| self.read_number(name, raw, bounds))
    }

    /// Refuses `name` when present (and not `null`): for fields that only some variants of
    /// an event may carry. `reason` completes the message "<name> <reason>".
    pub fn require_absent(&self, name: &str, reason: &str) -> Result<(), ApiError> {
        match self.value(name) {
            Some(_) => Err(self.error(ErrorCode::ValidationFailed, name, reason)),
            None => Ok(()),
        }
    }

    fn required<T>(&self, name: &str, read: impl FnOnce(&RawValue) -> Result<T, ApiError>) -> Result<T, ApiError> {
        match self.value(name) {
            Some(raw) => read(raw),
            None => Err(self.error(ErrorCode::MissingField, name, "is required")),
        }
    }

    fn optional<T>(
        &self,
        name: &str,
        read: impl FnOnce(&RawValue) -> Result<T, ApiError>,
    ) -> Result<Option<T>, ApiError> {
        self.value(name).map(read).transpose()
    }

    fn read_string(&self, name: &str, raw: &RawValue) -> Result<String, ApiError> {
        self.expect_kind(name, raw, JsonKind::String, "a string")?;
        // Can fail only on an unpaired surrogate escape such as "\ud800".
        serde_json::from_str(raw.get())
            .map_err(|_| self.error(ErrorCode::InvalidValue, name, "is not valid Unicode text"))
    }

    fn read_uuid(&self, name: &str, raw: &RawValue) -> Result<String, ApiError> {
        parse_uuid(&self.read_string(name, raw)?).ok_or_else(|| {
            self.error(ErrorCode::InvalidValue, name, "must be a UUID like 0b9d7c1e-4f2a-4c3b-9d8e-7f6a5b4c3d2e")
        })
    }

    fn read_timestamp_ms(&self, name: &str, raw: &RawValue) -> Result<i64, ApiError> {
        parse_rfc3339_ms(&self.read_string(name, raw)?).ok_or_else(|| {
            self.error(
                ErrorCode::InvalidValue,
                name,
                "must be an RFC 3339 timestamp with offset, like 2024-05-01T12:00:00.000Z (years 0001-9999)",
            )
        })
    }

    fn read_enum<T: WireEnum>(&self, name: &str, raw: &RawValue) -> Result<T, ApiError> {
        let text = self.read_string(name, raw)?;
        from_wire(&text).ok_or_else(|| {
            let message = format!("must be one of: {}; got \"{}\"", allowed_values::<T>(), shorten_for_echo(&text));
            self.error(ErrorCode::InvalidValue, name, &message)
        })
    }

    fn read_text(&self, name: &str, raw: &RawValue, rule: TextRule) -> Result<Option<String>, ApiError> {
        let text = self.read_string(name, raw)?;
        let is_allowed_control = |c: char| rule.multiline && (c == '\n' || c == '\t');
        if let Some(control) = text.chars().find(|&c| c.is_control() && !is_allowed_control(c)) {
            let message = format!("must not contain the control character U+{:04X}", u32::from(control));
            return Err(self.error(ErrorCode::InvalidValue, name, &message));
        }
        let trimmed = text.trim();
        let length = trimmed.chars().count();
        if length == 0 && rule.blank_is_absent {
            return Ok(None);
        }
        if !(1..=rule.max_chars).contains(&length) {
            let message = format!("must be 1 to {} characters after trimming; got {length}", rule.max_chars);
            return Err(self.error(ErrorCode::InvalidValue, name, &message));
        }
        Ok(Some(trimmed.to_owned()))
    }

    /// JSON has one number type, so "integer" is a property of the text: `3` is, `3.0` and
    /// `3e0` are not (a client sending them has a float where it should not).
    fn read_integer(&self, name: &str, raw: &RawValue, range: &RangeInclusive<i64>) -> Result<i64, ApiError> {
        self.expect_kind(name, raw, JsonKind::Number, "an integer")?;
        let text = raw.get();
        if text.contains(['.', 'e', 'E']) {
            let message = format!("must be an integer; got {}", shorten_for_echo(text));
            return Err(self.error(ErrorCode::InvalidType, name, &message));
        }
        // JSON grammar guarantees digits here, so a parse failure means out of i64 range.
        match text.parse::<i64>() {
            Ok(integer) if range.contains(&integer) => Ok(integer),
            _ => {
                let message = format!("must be an integer from {} to {}", range.start(), range.end());
                Err(self.error(ErrorCode::InvalidValue, name, &message))
            }
        }
    }

    fn read_number(&self, name: &str, raw: &RawValue, bounds: NumberBounds) -> Result<f64, ApiError> {
        self.expect_kind(name, raw, JsonKind::Number, "a number")?;
        // Rust's float grammar is a superset of JSON's; 1e400 parses to infinity, which the
        // bounds refuse, as they do NaN (unreachable from JSON anyway).
        match raw.get().parse::<f64>() {
            // `+ 0.0` turns -0.0 into 0.0, so "-0" is stored as a plain zero.
            Ok(number) if bounds.contains(number) => Ok(number + 0.0),
            _ => Err(self.error(ErrorCode::InvalidValue, name, &bounds.describe())),
        }
    }

    fn expect_kind(&self, name: &str, raw: &RawValue, wanted: JsonKind, description: &str) -> Result<(), ApiError> {
        let kind = JsonKind::of(raw);
        if kind == wanted {
            return Ok(());
        }
        Err(self.error(ErrorCode::InvalidType, name, &format!("must be {description}; got {kind}")))
    }

    fn error(&self, code: ErrorCode, name: &str, message: &str) -> ApiError {
        ApiError::new(code, message).with_field(self.path().field(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::ObjectPath;

    crate::wire_enum! {
        enum Color { Red = "red", DarkBlue = "dark_blue" }
    }

    const COMMENT: TextRule = TextRule { max_chars: 10, multiline: true, blank_is_absent: true };

    /// Runs `read` on `{"f": <value_json>}` as events[1] and returns the outcome.
    fn read<T>(value_json: &str, read: impl FnOnce(&StrictObject<'_>) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let json = format!(r#"{{"f": {value_json}}}"#);
        let raw: &RawValue = serde_json::from_str(&json).unwrap();
        read(&StrictObject::parse(raw, ObjectPath::BatchEvent(1)).unwrap())
    }

    fn code<T: std::fmt::Debug>(result: Result<T, ApiError>) -> ErrorCode {
        let err = result.unwrap_err();
        assert_eq!(err.field.as_deref(), Some("events[1].f"), "{err}");
        err.code
    }

    #[test]
    fn required_fields_must_be_present_and_not_null() {
        assert_eq!(code(read("null", |o| o.required_uuid("f"))), ErrorCode::MissingField);
        let err = read("1", |o| o.required_uuid("g")).unwrap_err();
        assert_eq!((err.code, err.field.as_deref()), (ErrorCode::MissingField, Some("events[1].g")));
        assert_eq!(read("null", |o| o.optional_uuid("f")), Ok(None));
        assert_eq!(read("1", |o| o.optional_uuid("g")), Ok(None));
    }

    #[test]
    fn uuids() {
        let id = "\"0B9D7C1E-4F2A-4C3B-9D8E-7F6A5B4C3D2E\"";
        assert_eq!(read(id, |o| o.required_uuid("f")).as_deref(), Ok("0b9d7c1e-4f2a-4c3b-9d8e-7f6a5b4c3d2e"));
        assert_eq!(code(read("\"not-a-uuid\"", |o| o.required_uuid("f"))), ErrorCode::InvalidValue);
        assert_eq!(code(read("12345", |o| o.required_uuid("f"))), ErrorCode::InvalidType);
        assert_eq!(code(read("{}", |o| o.required_uuid("f"))), ErrorCode::InvalidType);
    }

    #[test]
    fn timestamps() {
        assert_eq!(read("\"1970-01-01T00:00:01Z\"", |o| o.required_timestamp_ms("f")), Ok(1_000));
        assert_eq!(code(read("\"yesterday\"", |o| o.required_timestamp_ms("f"))), ErrorCode::InvalidValue);
        assert_eq!(code(read("1714564800000", |o| o.required_timestamp_ms("f"))), ErrorCode::InvalidType);
    }

    #[test]
    fn enums_name_their_allowed_values() {
        assert_eq!(read("\"dark_blue\"", |o| o.required_enum("f")), Ok(Color::DarkBlue));
        let err = read("\"Red\"", |o| o.required_enum::<Color>("f")).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidValue);
        assert_eq!(err.message, "must be one of: red, dark_blue; got \"Red\"");
        assert_eq!(code(read("true", |o| o.optional_enum::<Color>("f"))), ErrorCode::InvalidType);
    }

    #[test]
    fn enum_typos_are_echoed_shortened() {
        let typo = format!("\"{}\"", "x".repeat(10_000));
        let err = read(&typo, |o| o.required_enum::<Color>("f")).unwrap_err();
        assert!(err.message.len() < 200, "{}", err.message);
    }

    #[test]
    fn text_is_trimmed_and_bounded_in_characters() {
        assert_eq!(read("\"  hi\\nthere\\t \"", |o| o.optional_text("f", COMMENT)), Ok(Some("hi\nthere".into())));
        assert_eq!(read("\"ééééééééé\"", |o| o.optional_text("f", COMMENT)).map(|t| t.is_some()), Ok(true));
        assert_eq!(code(read("\"ééééééééééé\"", |o| o.optional_text("f", COMMENT))), ErrorCode::InvalidValue);
        assert_eq!(read("\"   \\n \"", |o| o.optional_text("f", COMMENT)), Ok(None));
        assert_eq!(
            code(read(&format!("\"{}\"", "a".repeat(40_000)), |o| o.optional_text("f", COMMENT))),
            ErrorCode::InvalidValue
        );
    }

    #[test]
    fn text_refuses_control_characters_except_newline_and_tab_in_multiline() {
        for control in ["\\r", "\\u0000", "\\u001b", "\\u007f", "\\u0085", "\\u000b"] {
            let json = format!("\"a{control}b\"");
            assert_eq!(code(read(&json, |o| o.optional_text("f", COMMENT))), ErrorCode::InvalidValue, "{control}");
        }
        assert_eq!(code(read("\"a\\nb\"", |o| o.optional_text("f", SOURCE_KEYWORD))), ErrorCode::InvalidValue);
        assert_eq!(code(read("\"a\\tb\"", |o| o.optional_text("f", SOURCE_KEYWORD))), ErrorCode::InvalidValue);
    }

    #[test]
    fn source_keyword_is_one_to_a_hundred_characters() {
        assert_eq!(read("\" cats \"", |o| o.optional_text("f", SOURCE_KEYWORD)), Ok(Some("cats".into())));
        assert_eq!(code(read("\"\"", |o| o.optional_text("f", SOURCE_KEYWORD))), ErrorCode::InvalidValue);
        assert_eq!(code(read("\"  \"", |o| o.optional_text("f", SOURCE_KEYWORD))), ErrorCode::InvalidValue);
        let max = format!("\"{}\"", "猫".repeat(100));
        assert!(read(&max, |o| o.optional_text("f", SOURCE_KEYWORD)).is_ok());
        let over = format!("\"{}\"", "猫".repeat(101));
        assert_eq!(code(read(&over, |o| o.optional_text("f", SOURCE_KEYWORD))), ErrorCode::InvalidValue);
    }

    #[test]
    fn unpaired_surrogates_are_not_text() {
        assert_eq!(code(read("\"\\ud800\"", |o| o.optional_text("f", COMMENT))), ErrorCode::InvalidValue);
    }

    #[test]
    fn integers_refuse_floats_negatives_and_huge_values() {
        let position = |json: &str| read(json, |o| o.optional_integer("f", 0..=10_000));
        assert_eq!(position("0"), Ok(Some(0)));
        assert_eq!(position("-0"), Ok(Some(0)));
        assert_eq!(position("10000"), Ok(Some(10_000)));
        assert_eq!(code(position("10001")), ErrorCode::InvalidValue);
        assert_eq!(code(position("-1")), ErrorCode::InvalidValue);
        assert_eq!(code(position("99999999999999999999999999")), ErrorCode::InvalidValue);
        assert_eq!(code(position("1.0")), ErrorCode::InvalidType);
        assert_eq!(code(position("1e2")), ErrorCode::InvalidType);
        assert_eq!(code(position("1E400")), ErrorCode::InvalidType);
        assert_eq!(code(position("\"5\"")), ErrorCode::InvalidType);
        assert_eq!(code(position("true")), ErrorCode::InvalidType);
    }

    #[test]
    fn numbers_refuse_out_of_bounds_and_overflow() {
        let seconds = |json: &str| read(json, |o| o.required_number("f", NumberBounds::zero_to(86_400.0)));
        assert_eq!(seconds("0"), Ok(0.0));
        assert_eq!(seconds("12.5"), Ok(12.5));
        assert_eq!(seconds("86400"), Ok(86_400.0));
        assert!(seconds("-0.0").unwrap().is_sign_positive());
        assert_eq!(code(seconds("86400.001")), ErrorCode::InvalidValue);
        assert_eq!(code(seconds("-0.5")), ErrorCode::InvalidValue);
        assert_eq!(code(seconds("1e400")), ErrorCode::InvalidValue);
        assert_eq!(code(seconds("-1e400")), ErrorCode::InvalidValue);
        assert_eq!(code(seconds(&"9".repeat(5_000))), ErrorCode::InvalidValue);
        assert_eq!(code(seconds("\"12\"")), ErrorCode::InvalidType);
        assert_eq!(code(seconds("[1]")), ErrorCode::InvalidType);
        assert_eq!(seconds("1e-400"), Ok(0.0), "underflow rounds to zero, which is in range");
    }

    #[test]
    fn exclusive_minimum() {
        let duration = |json: &str| read(json, |o| o.optional_number("f", NumberBounds::above_zero_to(10.0)));
        assert_eq!(duration("0.001"), Ok(Some(0.001)));
        let err = duration("0").unwrap_err();
        assert_eq!((err.code, err.message.as_str()), (ErrorCode::InvalidValue, "must be a number > 0 and <= 10"));
    }

    #[test]
    fn require_absent_ignores_null() {
        assert_eq!(read("null", |o| o.require_absent("f", "is not allowed here")), Ok(()));
        let err = read("1", |o| o.require_absent("f", "is not allowed here")).unwrap_err();
        assert_eq!((err.code, err.message.as_str()), (ErrorCode::ValidationFailed, "is not allowed here"));
    }
}
