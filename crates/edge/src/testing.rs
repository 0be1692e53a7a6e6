//! Test-only fault triggers, compiled into every build but inert unless the function's
//! environment opts in. Only the local **test** stack (`cargo xtask test`) sets
//! `EDGE_TEST_PANICS=1`; it is never set on the dev stack, on Supabase (`supabase secrets`)
//! or anywhere else, so in production the header is ignored like any unknown header.

/// Environment variable that arms the trigger: exactly `1`.
pub const TEST_PANICS_ENV: &str = "EDGE_TEST_PANICS";
/// Request header that pulls it (lower case, as the glue hands headers over).
pub const TEST_PANIC_HEADER: &str = "x-test-panic";

/// What the handler should do with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanicTrigger {
    /// Serve the request normally.
    None,
    /// Panic at once, before the first await (`x-test-panic: 1`).
    Now,
    /// Panic after yielding to the event loop once (`x-test-panic: after-await`): the trap
    /// then happens in a promise callback, not inside the call the glue awaits.
    AfterAwait,
}

/// Decides from the armed flag (the env value, if any) and the header value (if any).
pub fn panic_trigger(env_value: Option<&str>, header: Option<&str>) -> PanicTrigger {
    if env_value.map(str::trim) != Some("1") {
        return PanicTrigger::None;
    }
    match header.map(str::trim) {
        Some("1") => PanicTrigger::Now,
        Some("after-await") => PanicTrigger::AfterAwait,
        _ => PanicTrigger::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inert_unless_the_environment_arms_it() {
        for env in [None, Some(""), Some("0"), Some("true"), Some("yes"), Some("11")] {
            for header in [None, Some("1"), Some("after-await")] {
                assert_eq!(panic_trigger(env, header), PanicTrigger::None, "{env:?} {header:?}");
            }
        }
    }

    #[test]
    fn armed_it_follows_the_header() {
        assert_eq!(panic_trigger(Some("1"), None), PanicTrigger::None);
        assert_eq!(panic_trigger(Some("1"), Some("0")), PanicTrigger::None);
        assert_eq!(panic_trigger(Some("1"), Some("1")), PanicTrigger::Now);
        assert_eq!(panic_trigger(Some(" 1 "), Some(" 1")), PanicTrigger::Now);
        assert_eq!(panic_trigger(Some("1"), Some("after-await")), PanicTrigger::AfterAwait);
        assert_eq!(panic_trigger(Some("1"), Some("panic")), PanicTrigger::None);
    }
}
