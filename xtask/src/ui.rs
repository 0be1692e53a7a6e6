//! Progress lines: one per step, so a slow fresh-machine `up` shows where it is.

use std::time::Instant;

pub fn step(message: &str) {
    println!("==> {message}");
}

pub fn detail(message: &str) {
    println!("    {message}");
}

pub fn error(message: &str) {
    eprintln!("error: {message}");
}

/// Runs `f`, printing the step and how long it took.
pub fn timed<T>(message: &str, f: impl FnOnce() -> crate::Result<T>) -> crate::Result<T> {
    step(message);
    let started = Instant::now();
    let out = f()?;
    detail(&format!("done in {:.1}s", started.elapsed().as_secs_f64()));
    Ok(out)
}
