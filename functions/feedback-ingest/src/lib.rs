//! feedback-ingest: pure core (native-testable) + wasm glue (`wasm` module, wasm32 only).
//! The core validates feedback events and plans the one RPC call; the shared machinery
//! (envelope, limits, clock skew, results) lives in the `ingest` crate.

#[cfg(target_arch = "wasm32")]
mod wasm;

mod event;
mod plan;

pub use event::{FeedbackEvent, FeedbackType, Reason};
pub use plan::plan;

#[cfg(test)]
mod tests;
