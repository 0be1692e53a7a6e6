//! A JSON object read strictly: unique keys, no fields outside the contract, and each
//! value kept as raw JSON text until a typed reader (see `fields`) parses it.
//!
//! This is `#[serde(deny_unknown_fields)]` done by hand: serde's derive would reject the
//! same inputs, but only with a free-text message and no field path, while clients need a
//! stable code and `events[3].user_id`.

use std::collections::HashSet;
use std::fmt;

use edge::{ApiError, ErrorCode};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::path::ObjectPath;

/// An object's entries in body order, keys unique.
#[derive(Debug, Clone)]
pub struct StrictObject<'a> {
    entries: Vec<(String, &'a RawValue)>,
    path: ObjectPath,
}

impl<'a> StrictObject<'a> {
    /// Reads `raw` (already known to be syntactically valid JSON) as an object.
    pub fn parse(raw: &'a RawValue, path: ObjectPath) -> Result<Self, ApiError> {
        let kind = JsonKind::of(raw);
        if kind != JsonKind::Object {
            let error = ApiError::new(ErrorCode::InvalidType, format!("must be a JSON object, got {kind}"));
            return Err(with_optional_field(error, path.whole()));
        }
        // Syntax was checked when the body was parsed; what can still fail is decoding a
        // key with an unpaired UTF-16 surrogate escape (`"\ud800"`), which is no text.
        let Entries(entries) = serde_json::from_str(raw.get()).map_err(|_| {
            let error = ApiError::new(ErrorCode::MalformedJson, "an object key is not valid Unicode");
            with_optional_field(error, path.whole())
        })?;
        // Duplicate keys are legal JSON, but parsers disagree on which copy wins (we would
        // validate one, PostgreSQL's jsonb keeps the last): refuse the ambiguity.
        let mut seen = HashSet::with_capacity(entries.len());
        if let Some((key, _)) = entries.iter().find(|(key, _)| !seen.insert(key.as_str())) {
            return Err(
                ApiError::new(ErrorCode::ValidationFailed, "appears more than once").with_field(path.field(key))
            );
        }
        Ok(Self { entries, path })
    }

    pub fn path(&self) -> ObjectPath {
        self.path
    }

    /// Fails with `unknown_field` on the first key, in body order, that `is_allowed`
    /// refuses. `user_id` gets its own message: the user is always the JWT subject.
    pub fn reject_unknown_fields(&self, is_allowed: impl Fn(&str) -> bool) -> Result<(), ApiError> {
        let Some((key, _)) = self.entries.iter().find(|(key, _)| !is_allowed(key)) else {
            return Ok(());
        };
        let message = if key == "user_id" {
            "is not accepted: the user is taken from the access token".to_owned()
        } else {
            "is not a field of this contract".to_owned()
        };
        Err(ApiError::new(ErrorCode::UnknownField, message).with_field(self.path.field(key)))
    }

    /// Whether the key is present at all, even as `null`.
    pub fn has_key(&self, name: &str) -> bool {
        self.raw(name).is_some()
    }

    /// The value of `name` as sent, `null` included.
    pub fn raw(&self, name: &str) -> Option<&'a RawValue> {
        self.entries.iter().find(|(key, _)| key == name).map(|(_, value)| *value)
    }

    /// The value of `name`, or None when absent or `null`: the contract treats the two
    /// alike, since JavaScript clients send `null` for "no value" as often as they omit it.
    pub fn value(&self, name: &str) -> Option<&'a RawValue> {
        self.raw(name).filter(|value| JsonKind::of(value) != JsonKind::Null)
    }
}

pub(crate) fn with_optional_field(error: ApiError, field: Option<String>) -> ApiError {
    match field {
        Some(field) => error.with_field(field),
        None => error,
    }
}

/// The JSON type of a value, read from its first byte (raw values never start with
/// whitespace and are valid JSON, so that byte decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
}

impl JsonKind {
    pub fn of(raw: &RawValue) -> Self {
        match raw.get().as_bytes().first() {
            Some(b'n') => Self::Null,
            Some(b't' | b'f') => Self::Boolean,
            Some(b'"') => Self::String,
            Some(b'[') => Self::Array,
            Some(b'{') => Self::Object,
            _ => Self::Number,
        }
    }
}

impl fmt::Display for JsonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Null => "null",
            Self::Boolean => "a boolean",
            Self::Number => "a number",
            Self::String => "a string",
            Self::Array => "an array",
            Self::Object => "an object",
        })
    }
}

/// All entries of an object, duplicates kept (serde's own map types would silently keep
/// only the last copy, hiding exactly what we want to refuse).
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EntriesVisitor)
    }
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Entries<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
            entries.push(entry);
        }
        Ok(Entries(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> &RawValue {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn keeps_entries_and_treats_null_as_absent() {
        let json = raw(r#"{"a": 1, "b": null, "c\u0041": "x"}"#);
        let object = StrictObject::parse(json, ObjectPath::Body).unwrap();
        assert_eq!(object.value("a").map(RawValue::get), Some("1"));
        assert!(object.has_key("b"));
        assert!(object.value("b").is_none());
        assert_eq!(object.value("cA").map(RawValue::get), Some("\"x\""), "escaped keys are decoded");
        assert!(!object.has_key("d"));
    }

    #[test]
    fn non_objects_are_invalid_type_at_the_objects_path() {
        for (json, kind) in [("[]", "an array"), ("null", "null"), ("1", "a number"), ("\"{}\"", "a string")] {
            let err = StrictObject::parse(raw(json), ObjectPath::BatchEvent(2)).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidType);
            assert_eq!(err.field.as_deref(), Some("events[2]"));
            assert!(err.message.ends_with(kind), "{}", err.message);
        }
    }

    #[test]
    fn duplicate_keys_are_refused_even_when_spelled_differently() {
        let err = StrictObject::parse(raw(r#"{"a": 1, "\u0061": 2}"#), ObjectPath::BatchEvent(0)).unwrap_err();
        assert_eq!(err.code, ErrorCode::ValidationFailed);
        assert_eq!(err.field.as_deref(), Some("events[0].a"));
    }

    #[test]
    fn keys_with_lone_surrogates_are_malformed() {
        let err = StrictObject::parse(raw(r#"{"\ud800": 1}"#), ObjectPath::Body).unwrap_err();
        assert_eq!(err.code, ErrorCode::MalformedJson);
    }

    #[test]
    fn unknown_fields_are_named_in_body_order_and_user_id_is_explained() {
        let object =
            StrictObject::parse(raw(r#"{"a": 1, "user_id": "u", "zz": 2}"#), ObjectPath::BatchEvent(4)).unwrap();
        let err = object.reject_unknown_fields(|name| name == "a").unwrap_err();
        assert_eq!(err.code, ErrorCode::UnknownField);
        assert_eq!(err.field.as_deref(), Some("events[4].user_id"));
        assert!(err.message.contains("access token"));
        assert!(object.reject_unknown_fields(|name| name != "zz").is_err());
        assert!(object.reject_unknown_fields(|_| true).is_ok());
    }

    #[test]
    fn kinds_are_read_from_the_first_byte() {
        let kinds = ["null", "true", "false", "-1", "0.5", "\"s\"", "[1]", "{}"].map(|json| JsonKind::of(raw(json)));
        use JsonKind::*;
        assert_eq!(kinds, [Null, Boolean, Boolean, Number, Number, String, Array, Object]);
    }
}
