//! trend-update: pure core (native-testable) + wasm glue (`wasm` module, wasm32 only).

pub mod forecast;
pub mod notice;
pub mod payload;
pub mod plan;
pub mod ranking;
pub mod strength;

#[cfg(target_arch = "wasm32")]
mod wasm;
