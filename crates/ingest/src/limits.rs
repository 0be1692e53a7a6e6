//! Every size and time bound of the ingestion contract, in one place.

/// Largest request body, checked by the glue before reading and again by the planner.
pub const MAX_BODY_BYTES: usize = 512 * 1024;
/// Largest single event, measured on its raw JSON text as sent (whitespace included).
pub const MAX_EVENT_BYTES: usize = 32 * 1024;
/// Most events one batch may carry.
pub const MAX_EVENTS_PER_BATCH: usize = 500;

/// A corrected timestamp further ahead of the receive time than this is clamped to it.
pub const MAX_FUTURE_MS: i64 = 60 * 60 * 1000;
/// A corrected timestamp further behind the receive time than this is rejected: such
/// events are either replays of long-lost queues or clocks we cannot repair.
pub const MAX_AGE_MS: i64 = 7 * 24 * 60 * 60 * 1000;
