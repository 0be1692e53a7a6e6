//! Closed sets of strings (`feedback_type`, `event_type`, …) as Rust enums whose wire
//! spelling is written once, in the [`wire_enum!`](crate::wire_enum) invocation.

/// An enum with a fixed wire spelling per variant.
pub trait WireEnum: Copy + 'static {
    /// Every variant with its spelling, in the order error messages list them.
    const VARIANTS: &'static [(&'static str, Self)];

    fn as_str(self) -> &'static str;
}

/// The variant spelled exactly `text` (case-sensitive: `Like` is a typo, not `like`).
pub fn from_wire<T: WireEnum>(text: &str) -> Option<T> {
    T::VARIANTS.iter().find(|(spelling, _)| *spelling == text).map(|(_, variant)| *variant)
}

/// `like, dislike, not_interested, report`: for "must be one of" messages.
pub fn allowed_values<T: WireEnum>() -> String {
    T::VARIANTS.iter().map(|(spelling, _)| *spelling).collect::<Vec<_>>().join(", ")
}

/// Declares an enum, its [`WireEnum`] table and a `Serialize` impl writing the spelling:
///
/// ```
/// ingest::wire_enum! {
///     /// Playback events.
///     pub enum Kind { Play = "play", Pause = "pause" }
/// }
/// assert_eq!(serde_json::to_string(&Kind::Pause).unwrap(), "\"pause\"");
/// ```
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $($(#[$variant_meta:meta])* $variant:ident = $spelling:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name { $($(#[$variant_meta])* $variant),+ }

        impl $crate::WireEnum for $name {
            const VARIANTS: &'static [(&'static str, Self)] = &[$(($spelling, Self::$variant)),+];

            fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $spelling),+ }
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error>
            where
                S: $crate::__private::serde::Serializer,
            {
                serializer.serialize_str($crate::WireEnum::as_str(*self))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::wire_enum! {
        enum Mood { Happy = "happy", NotSure = "not_sure" }
    }

    #[test]
    fn spelling_round_trips_and_is_case_sensitive() {
        assert_eq!(from_wire::<Mood>("not_sure"), Some(Mood::NotSure));
        assert_eq!(from_wire::<Mood>("Happy"), None);
        assert_eq!(from_wire::<Mood>("happy "), None);
        assert_eq!(Mood::Happy.as_str(), "happy");
        assert_eq!(serde_json::to_value(Mood::NotSure).unwrap(), "not_sure");
        assert_eq!(allowed_values::<Mood>(), "happy, not_sure");
    }
}
