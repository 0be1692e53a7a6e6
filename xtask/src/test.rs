//! `cargo xtask test`: every suite on a fresh, isolated stack, then one line
//! `N passed, N failed`. Suites: native `cargo test`, pgTAP (`pg_prove`), the wasm functions
//! and the end-to-end tests under Deno.

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::thread;

use crate::install::{self, Tools};
use crate::stack::{self, Stack};
use crate::{build, db, ui, Result};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Self) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

pub fn run(_flags: &[&str]) -> ExitCode {
    let mut total = Tally::default();
    let mut problems = Vec::new();
    let mut outcome = run_suites(&mut total, &mut problems);
    if let Ok(stack) = Stack::test() {
        let _ = stack::down(&stack);
    }
    if outcome.is_ok() {
        outcome = run_harnesses(&mut total, &mut problems);
    }
    if let Err(message) = outcome {
        ui::error(&message);
        problems.push(message);
        total.failed += 1;
    }
    println!();
    for p in &problems {
        println!("problem: {}", p.lines().next().unwrap_or_default());
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    if total.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn run_suites(total: &mut Tally, problems: &mut Vec<String>) -> Result<()> {
    let tools = install::ensure_all()?;
    build::build_all(&tools)?;

    let mut record = |name: &str, (tally, ok): (Tally, bool)| {
        ui::detail(&format!("{name}: {} passed, {} failed", tally.passed, tally.failed));
        *total += tally;
        if !ok && tally.failed == 0 {
            // The runner failed without reporting a failed test (crash, compile error).
            total.failed += 1;
            problems.push(format!("{name} exited with an error"));
        } else if tally.failed > 0 {
            problems.push(format!("{name}: {} failed", tally.failed));
        }
    };

    ui::step("suite: native cargo test");
    record("cargo test", run_and_count(Command::new("cargo").args(["test", "--quiet"]), count_cargo)?);

    let stack = Stack::test()?;
    ui::step("starting the isolated test stack");
    stack::down(&stack)?;
    db::reset(&stack)?;
    stack::up(&stack, &tools)?;

    ui::step("check: generated types match the migrated schema");
    let fresh = crate::gen_types::run(&stack, true);
    if let Err(e) = &fresh {
        ui::error(e);
    }
    record("gen-types --check", (Tally { passed: u64::from(fresh.is_ok()), failed: u64::from(fresh.is_err()) }, true));

    ui::step("suite: pgTAP (pg_prove supabase/tests)");
    record("pgTAP", run_and_count(&mut pg_prove(&stack), count_pg_prove)?);

    ui::step("suite: Deno (wasm functions + end-to-end)");
    record("deno test", run_and_count(&mut deno_test(&stack, &tools), count_deno)?);

    ui::step("suite: Rust end-to-end (postgrest client)");
    let fixtures = db::query(&stack, "postgres", &std::fs::read_to_string(stack.repo.join("tests/e2e-rust/fixtures.sql")).map_err(|e| e.to_string())?)?;
    let mut rust_e2e = Command::new("cargo");
    rust_e2e
        .current_dir(&stack.repo)
        .args(["test", "--quiet", "-p", "e2e"])
        .env("STACK_STATUS", stack.status_json().to_string())
        .env("E2E_FIXTURES", fixtures.trim());
    record("rust e2e", run_and_count(&mut rust_e2e, count_cargo)?);
    Ok(())
}

/// The fuzzers (5 s per target) and the benchmark harness (`--quick`, its own stack): run once
/// to prove they work; nothing here asserts a speed.
fn run_harnesses(total: &mut Tally, problems: &mut Vec<String>) -> Result<()> {
    ui::step("suite: fuzzing, short run (cargo xtask fuzz --quick)");
    let (passed, failed) = crate::fuzz::quick_run()?;
    ui::detail(&format!("fuzz targets: {passed} passed, {failed} failed"));
    *total += Tally { passed, failed };
    if failed > 0 {
        problems.push(format!("fuzzing: {failed} targets crashed"));
    }

    ui::step("suite: benchmark harness, once (cargo xtask bench --quick)");
    match crate::bench::quick_smoke() {
        Ok(()) => total.passed += 1,
        Err(e) => {
            total.failed += 1;
            problems.push(format!("bench --quick: {e}"));
        }
    }
    Ok(())
}

fn pg_prove(stack: &Stack) -> Command {
    let mut cmd = Command::new("pg_prove");
    cmd.current_dir(&stack.repo)
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "--ext", ".sql", "-r"])
        .arg("-p")
        .arg(stack.db_port.to_string())
        .arg("supabase/tests")
        .env("PGPASSWORD", "postgres");
    cmd
}

/// Environment the Deno tests read to reach the test stack.
fn deno_test(stack: &Stack, tools: &Tools) -> Command {
    let mut cmd = Command::new(&tools.deno);
    cmd.current_dir(&stack.repo)
        .args(["test", "--quiet", "--allow-all", "functions/", "tests/"])
        .envs(install::deno_env(tools))
        .env("NO_COLOR", "1")
        .env("STACK_STATUS", stack.status_json().to_string())
        .env("STACK_ADMIN_DB_URL", db::admin_url(stack))
        .env("STACK_WEBHOOK_SECRET", &stack.webhook_secret)
        .env("STACK_NAME", stack.name);
    cmd
}

/// Runs a suite, echoing its output live, and counts its results with `count`.
fn run_and_count(cmd: &mut Command, count: fn(&str) -> Tally) -> Result<(Tally, bool)> {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(|e| format!("run {:?}: {e}", cmd.get_program()))?;
    let (tx, rx) = mpsc::channel::<String>();
    let mut readers = Vec::new();
    let pipes: Vec<Box<dyn std::io::Read + Send>> = vec![
        Box::new(child.stdout.take().expect("piped stdout")),
        Box::new(child.stderr.take().expect("piped stderr")),
    ];
    for pipe in pipes {
        let tx = tx.clone();
        readers.push(thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(std::result::Result::ok) {
                println!("    {line}");
                let _ = tx.send(line);
            }
        }));
    }
    drop(tx);
    let output: Vec<String> = rx.iter().collect();
    for r in readers {
        let _ = r.join();
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    Ok((count(&output.join("\n")), status.success()))
}

fn number_before(text: &str, word: &str) -> Option<u64> {
    let idx = text.find(word)?;
    text[..idx].split(|c: char| !c.is_ascii_digit()).rfind(|s| !s.is_empty())?.parse().ok()
}

fn number_after(text: &str, word: &str) -> Option<u64> {
    let idx = text.find(word)? + word.len();
    text[idx..].trim_start().split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// Sums cargo's `test result: ok. 3 passed; 1 failed; …` lines.
pub fn count_cargo(output: &str) -> Tally {
    output
        .lines()
        .filter(|l| l.contains("test result:"))
        .map(|l| Tally { passed: number_before(l, " passed").unwrap_or(0), failed: number_before(l, " failed").unwrap_or(0) })
        .fold(Tally::default(), |mut acc, t| {
            acc += t;
            acc
        })
}

/// pg_prove: `Files=2, Tests=40` for the total, `(Wstat: … Tests: 10 Failed: 2)` per failing
/// file; a failing run with no countable failure (bad plan, crash) counts as one failure.
pub fn count_pg_prove(output: &str) -> Tally {
    let tests = output.lines().filter(|l| l.starts_with("Files=")).find_map(|l| number_after(l, "Tests=")).unwrap_or(0);
    let mut failed: u64 = output.lines().filter(|l| l.contains("(Wstat:")).filter_map(|l| number_after(l, "Failed:")).sum();
    if failed == 0 && output.lines().any(|l| l.trim() == "Result: FAIL") {
        failed = 1;
    }
    Tally { passed: tests.saturating_sub(failed), failed }
}

/// Deno's closing line: `ok | 12 passed | 0 failed (2s)` or `FAILED | 10 passed | 2 failed …`.
pub fn count_deno(output: &str) -> Tally {
    output
        .lines()
        .rev()
        .find(|l| (l.starts_with("ok |") || l.starts_with("FAILED |")) && l.contains(" passed"))
        .map(|l| Tally { passed: number_before(l, " passed").unwrap_or(0), failed: number_before(l, " failed").unwrap_or(0) })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cargo_results_across_crates() {
        let out = "test result: ok. 12 passed; 0 failed; 1 ignored\nnoise\ntest result: FAILED. 3 passed; 2 failed; 0 ignored";
        assert_eq!(count_cargo(out), Tally { passed: 15, failed: 2 });
    }

    #[test]
    fn counts_pg_prove_summaries() {
        let pass = "supabase/tests/a.sql .. ok\nAll tests successful.\nFiles=2, Tests=40,  1 wallclock secs\nResult: PASS";
        assert_eq!(count_pg_prove(pass), Tally { passed: 40, failed: 0 });
        let fail = "Test Summary Report\n-------------------\nsupabase/tests/a.sql (Wstat: 0 Tests: 10 Failed: 2)\n  Failed tests:  3, 7\nFiles=2, Tests=40\nResult: FAIL";
        assert_eq!(count_pg_prove(fail), Tally { passed: 38, failed: 2 });
        let bad_plan = "supabase/tests/a.sql (Wstat: 0 Tests: 3 Failed: 0)\n  Parse errors: Bad plan.\nFiles=1, Tests=3\nResult: FAIL";
        assert_eq!(count_pg_prove(bad_plan), Tally { passed: 2, failed: 1 });
    }

    #[test]
    fn counts_deno_closing_line() {
        assert_eq!(count_deno("running 3 tests\nok | 12 passed | 0 failed (2s)"), Tally { passed: 12, failed: 0 });
        assert_eq!(count_deno("FAILED | 10 passed (3 steps) | 2 failed (1s)"), Tally { passed: 10, failed: 2 });
        assert_eq!(count_deno("error: Module not found"), Tally::default());
    }
}
