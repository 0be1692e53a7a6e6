//! Naming places in the request body for error `field`s: `feedback_type` for a single
//! event, `events[3].feedback_type` for the fourth event of a batch.

/// Where an object sits in the request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectPath {
    /// The body itself: a single event, or the batch envelope.
    Body,
    /// `events[index]` of a batch.
    BatchEvent(usize),
}

impl ObjectPath {
    /// The path of one of this object's fields. Field names come from the client, so they
    /// are shortened before being echoed back.
    pub fn field(self, name: &str) -> String {
        let name = shorten_for_echo(name);
        match self {
            Self::Body => name,
            Self::BatchEvent(index) => format!("events[{index}].{name}"),
        }
    }

    /// The path of the object as a whole; the body itself has none.
    pub fn whole(self) -> Option<String> {
        match self {
            Self::Body => None,
            Self::BatchEvent(index) => Some(format!("events[{index}]")),
        }
    }
}

/// Longest piece of client text repeated in an error; longer text is cut (on a char
/// boundary) and marked with `…`, so a 30 KB key cannot bloat every error about it.
pub const MAX_ECHO_CHARS: usize = 64;

/// `text`, cut to [`MAX_ECHO_CHARS`] characters.
pub fn shorten_for_echo(text: &str) -> String {
    match text.char_indices().nth(MAX_ECHO_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_the_batch_index_only_in_batches() {
        assert_eq!(ObjectPath::Body.field("feedback_type"), "feedback_type");
        assert_eq!(ObjectPath::BatchEvent(3).field("feedback_type"), "events[3].feedback_type");
        assert_eq!(ObjectPath::Body.whole(), None);
        assert_eq!(ObjectPath::BatchEvent(0).whole().as_deref(), Some("events[0]"));
    }

    #[test]
    fn long_names_are_cut_on_char_boundaries() {
        let long = "é".repeat(MAX_ECHO_CHARS + 10);
        let echoed = ObjectPath::Body.field(&long);
        assert_eq!(echoed.chars().count(), MAX_ECHO_CHARS + 1);
        assert!(echoed.ends_with('…'));
        let exact = "x".repeat(MAX_ECHO_CHARS);
        assert_eq!(shorten_for_echo(&exact), exact);
    }
}
