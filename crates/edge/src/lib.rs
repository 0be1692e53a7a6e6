//! Pieces every Edge Function shares. Pure Rust: no wasm or host dependency, so all of it
//! is tested natively with `cargo test`.

pub mod civil;
pub mod error;
#[cfg(target_arch = "wasm32")]
pub mod host;
pub mod testing;
pub mod upstream;
pub mod webhook;

pub use error::{ApiError, ErrorCode};
