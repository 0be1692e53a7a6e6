//! `cargo xtask <command>`: the project's one command line (no shell scripts to keep in sync).
//!
//! up       install what is missing, build the wasm, start the local stack (idempotent)
//! status   print URLs and keys (`--json` for machines)
//! down     stop the local stack
//! reset    fresh database: compat layer + migrations + seed
//! build    build every function to wasm into pkg/<slug>/
//! install  only install the toolchain and packages
//! gen-types  TypeScript + Rust types from the live schema (`--check`: fail when stale)
//! test     everything, on an isolated stack; ends with `N passed, N failed`
//! bench    performance figures beside their baselines → BENCHMARKS.md (`--quick`: < 3 min)
//! fuzz     libFuzzer targets of fuzz/ (`--seconds N`, `--runs N`, `--quick`, target names)
//! service  stop|start one service (rest, gateway, pg-net-worker, fn-<slug>, db) of the stack
//!          named by STACK_NAME (dev by default): used by fault-injection tests
//! soak     load, faults and outbox runs of RELIABILITY.md on STACK_NAME's stack (`--seconds N`, default 60; ~8 min)
//! seed-data  benchmark volumes into STACK_NAME's stack + docs/query-plans.md (`--scale N`, `--replace`, `--plans`)

mod bench;
mod build;
mod db;
mod fuzz;
mod gen_types;
mod install;
mod process;
mod seed_data;
mod soak;
mod stack;
mod test;
mod ui;

use std::process::ExitCode;

use stack::Stack;

pub type Result<T, E = String> = std::result::Result<T, E>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flags: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    let result = match args.first().map(String::as_str) {
        Some("up") => up(),
        Some("down") => Stack::dev().and_then(|s| stack::down(&s)),
        Some("status") => Stack::dev().and_then(|s| stack::status(&s, flags.contains(&"--json"))),
        Some("reset") => Stack::dev().and_then(|s| stack::reset(&s)),
        Some("build") => install::ensure_build_tools().and_then(|t| build::build_all(&t)),
        Some("install") => install::ensure_all().map(|_| ()),
        Some("test") => return test::run(&flags),
        Some("fuzz") => fuzz::run(&flags),
        Some("bench") => bench::run(&flags),
        Some("gen-types") => Stack::dev().and_then(|s| gen_types::run(&s, flags.contains(&"--check"))),
        Some("service") => Stack::by_name(&std::env::var("STACK_NAME").unwrap_or_default())
            .and_then(|s| stack::service_command(&s, &flags)),
        Some("soak") => soak::run(&flags),
        Some("seed-data") => Stack::by_name(&std::env::var("STACK_NAME").unwrap_or_default()).and_then(|s| seed_data::run(&s, &flags)),
        Some("help") | Some("--help") | None => {
            println!("{}", include_str!("main.rs").lines().skip(2).take_while(|l| l.starts_with("//!")).map(|l| l.trim_start_matches("//! ")).collect::<Vec<_>>().join("\n"));
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`; try `cargo xtask help`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            ui::error(&message);
            ExitCode::FAILURE
        }
    }
}

fn up() -> Result<()> {
    let tools = install::ensure_all()?;
    build::build_all(&tools)?;
    let stack = Stack::dev()?;
    stack::up(&stack, &tools)?;
    stack::status(&stack, false)
}
