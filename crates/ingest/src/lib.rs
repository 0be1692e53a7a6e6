//! Shared ingestion core of `feedback-ingest` and `watch-ingest`: request checks, the batch
//! envelope and its limits, strict field parsing, clock-skew correction, per-event
//! results and the response. Pure Rust, tested natively; README.md states the contract.
//!
//! A function crate defines its event type ([`EventSchema`]) and calls [`plan_events`];
//! the glue then makes one RPC with [`Plan::rpc_body`] and answers with
//! [`build_response`].

pub mod auth;
pub mod envelope;
pub mod fields;
#[cfg(target_arch = "wasm32")]
pub mod host;
pub mod limits;
pub mod object;
pub mod path;
pub mod plan;
pub mod request;
pub mod response;
pub mod result;
pub mod skew;
pub mod timestamp;
pub mod uuid;
pub mod wire_enum;

pub use auth::{bearer_token, user_from_token, User};
pub use envelope::BodyShape;
pub use fields::{NumberBounds, TextRule, SOURCE_KEYWORD};
pub use limits::{MAX_AGE_MS, MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH, MAX_EVENT_BYTES, MAX_FUTURE_MS};
pub use object::StrictObject;
pub use plan::{plan_events, EventSchema, Plan, COMMON_FIELDS};
pub use request::check_request;
pub use response::{build_response, DbOutcome, DbRejection, IngestResponse};
pub use result::Rejection;
pub use wire_enum::WireEnum;

/// Used by [`wire_enum!`]'s expansion, so callers need no `serde` import of their own.
#[doc(hidden)]
pub mod __private {
    pub use serde;
}

#[cfg(test)]
mod test_support;
