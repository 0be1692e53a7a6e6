//! Strict UUID text: only the canonical hyphenated 8-4-4-4-12 hex form, either case.
//! Output is lowercase, matching PostgreSQL's `uuid::text`, so an id we send and the id
//! the database echoes back compare equal as strings.

const LENGTH: usize = 36;
const HYPHEN_POSITIONS: [usize; 4] = [8, 13, 18, 23];

/// Returns the lowercase canonical form, or None if `text` is not a canonical UUID.
/// Braces, `urn:uuid:` prefixes and the 32-digit form are refused: clients generate these
/// ids with `crypto.randomUUID()`, which never produces them.
pub fn parse_uuid(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    if bytes.len() != LENGTH {
        return None;
    }
    let well_formed = bytes.iter().enumerate().all(|(position, &byte)| {
        if HYPHEN_POSITIONS.contains(&position) {
            byte == b'-'
        } else {
            byte.is_ascii_hexdigit()
        }
    });
    well_formed.then(|| text.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_canonical_form_and_lowercases_it() {
        assert_eq!(
            parse_uuid("0B9D7C1E-4F2A-4C3B-9D8E-7F6A5B4C3D2E").as_deref(),
            Some("0b9d7c1e-4f2a-4c3b-9d8e-7f6a5b4c3d2e")
        );
        assert!(parse_uuid("00000000-0000-0000-0000-000000000000").is_some());
    }

    #[test]
    fn rejects_every_other_form() {
        for text in [
            "",
            "0b9d7c1e4f2a4c3b9d8e7f6a5b4c3d2e",
            "{0b9d7c1e-4f2a-4c3b-9d8e-7f6a5b4c3d2e}",
            "urn:uuid:0b9d7c1e-4f2a-4c3b-9d8e-7f6a5b4c3d2e",
            "0b9d7c1e-4f2a-4c3b-9d8e-7f6a5b4c3d2",
            "0b9d7c1e-4f2a-4c3b-9d8e-7f6a5b4c3d2e0",
            "0b9d7c1e-4f2a-4c3b-9d8e_7f6a5b4c3d2e",
            "0b9d7c1e-4f2a-4c3b-9d8e-7f6a5b4c3d2g",
            "0b9d7c1e4-f2a-4c3b-9d8e-7f6a5b4c3d2e",
            " 0b9d7c1e-4f2a-4c3b-9d8e-7f6a5b4c3d2",
            "0b9d7c1e-4f2a-4c3b-9d8e-7f6a5b4c3dé",
        ] {
            assert_eq!(parse_uuid(text), None, "{text:?}");
        }
    }
}
