//! watch-ingest: pure core (native-testable) + wasm glue (`wasm` module, wasm32 only).
//! The core validates playback events and plans the one RPC call; the shared machinery
//! (envelope, limits, clock skew, results) lives in the `ingest` crate.

#[cfg(target_arch = "wasm32")]
mod wasm;

mod event;
mod plan;

pub use event::{WatchEvent, WatchEventType};
pub use plan::plan;

#[cfg(test)]
mod tests;
