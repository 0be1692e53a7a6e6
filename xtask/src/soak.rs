//! `cargo xtask soak [--seconds N]`: the long reliability runs behind RELIABILITY.md §1–2, on
//! the stack named by STACK_NAME (dev by default; `STACK_NAME=soak` for a throw-away one).
//!
//! 1. load: calibration (5 s each at concurrency 2/4/8/16), then N s of ingestion at the best
//!    concurrency with clients that retry timeouts and 5xx with the same event ids
//!    (tests/soak/load.ts); acknowledged = stored, 0 lost, 0 duplicated.
//! 2. faults: the same load for N s while the API server (rest) and then PostgreSQL (db) are
//!    stopped for a few seconds and started again: every answer is 2xx or 503 with
//!    Retry-After (no 500/502, no client timeout), nothing lost or duplicated.
//! 3. outbox: the pg_net delivery worker is stopped during a burst of trending_keywords
//!    changes, (a) with its queue kept, (b) with its queue lost as in a crash; after it
//!    returns every change must be acknowledged within two cron cycles (120 s).
//!
//! Builds the wasm, brings the stack up if it is not running (as `up`) and restarts its
//! functions so the runs measure this build. Takes about 2×(N + 20) s + 4 min. Writes `.stack/<name>/soak-report.json`;
//! fails when a check fails. `load`, `faults`, `outbox` as arguments run only those phases.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::stack::{self, Stack};
use crate::{build, db, install, ui, Result};

/// How long a stopped service stays away in the fault run.
const DOWNTIME: Duration = Duration::from_secs(3);
/// "Within two cron cycles" of the every-minute `trend-outbox-reconcile` job.
const OUTBOX_DEADLINE: Duration = Duration::from_secs(120);

fn epoch_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)).unwrap_or(0)
}

fn flag_value(flags: &[&str], name: &str) -> Result<Option<u64>> {
    match flags.iter().position(|f| *f == name) {
        Some(i) => flags.get(i + 1).and_then(|v| v.parse().ok()).map(Some).ok_or_else(|| format!("{name} needs a number")),
        None => Ok(None),
    }
}

pub fn run(flags: &[&str]) -> Result<()> {
    let seconds = flag_value(flags, "--seconds")?.unwrap_or(60).max(5);
    let only: Vec<&str> = flags.iter().filter(|f| ["load", "faults", "outbox"].contains(f)).copied().collect();
    let wants = |phase: &str| only.is_empty() || only.contains(&phase);
    let stack = Stack::by_name(&std::env::var("STACK_NAME").unwrap_or_default())?;
    let tools = install::ensure_all()?;
    build::build_all(&tools)?;
    let services = ["rest", "gateway", "pg-net-worker"].into_iter().map(str::to_owned)
        .chain(stack.functions.iter().map(|f| format!("fn-{}", f.slug)));
    let all_running = db::is_running(&stack) && services.into_iter().all(|s| stack.service(&s).is_running());
    if !all_running {
        // A stack that is not (fully) up is brought up as `up` would (fresh: migrations + seed).
        stack::up(&stack, &tools)?;
    }
    // Running functions may serve an older build; the runs must measure the one just made.
    ui::step("restarting the functions so they serve this build");
    for function in &stack.functions {
        let name = format!("fn-{}", function.slug);
        stack::service_command(&stack, &["stop", &name])?;
        let free_by = Instant::now() + Duration::from_secs(10);
        while crate::process::ensure_port_free(function.port, &name, "").is_err() && Instant::now() < free_by {
            thread::sleep(Duration::from_millis(100));
        }
        stack::service_command(&stack, &["start", &name])?;
    }

    let machine = machine();
    ui::step(&format!("soak on the {} stack: {}", stack.name, machine["summary"].as_str().unwrap_or_default()));
    let mut report = json!({ "stack": stack.name, "machine": machine, "seconds": seconds });
    let mut failures = Vec::new();

    let mut concurrency = None;
    if wants("load") {
        ui::step(&format!("1. load: {seconds} s of ingestion at the highest rate the stack holds"));
        let load = run_load(&stack, &tools, seconds, None, false)?;
        failures.extend(check_load("load", &load.report));
        concurrency = load.report["concurrency"].as_u64();
        report["load"] = load.report;
    }
    if wants("faults") {
        ui::step(&format!("2. faults: {seconds} s of load; rest restarted at 25 %, db at 60 %"));
        let run = run_load(&stack, &tools, seconds, concurrency.or(Some(8)), true)?;
        failures.extend(check_load("faults", &run.report));
        report["faults"] = run.report;
        report["faults"]["injected"] = Value::Array(run.faults);
    }
    if wants("outbox") {
        ui::step("3. outbox: pg_net worker stopped during a burst of trend changes");
        let kept = outbox_scenario(&stack, false, Duration::from_secs(10))?;
        let lost = outbox_scenario(&stack, true, Duration::from_secs(60))?;
        for (name, r) in [("queue kept", &kept), ("queue lost", &lost)] {
            if !r["complete"].as_bool().unwrap_or(false) {
                failures.push(format!("outbox ({name}): not every change was acknowledged within {} s of the worker's return", OUTBOX_DEADLINE.as_secs()));
            }
        }
        report["outbox"] = json!({ "queue_kept": kept, "queue_lost": lost });
    }

    report["failures"] = json!(failures);
    let path = stack.dir.join("soak-report.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    summarize(&report);
    ui::detail(&format!("full report: {}", path.display()));
    if failures.is_empty() {
        ui::step("soak: every check passed");
        Ok(())
    } else {
        Err(format!("soak failed:\n  {}", failures.join("\n  ")))
    }
}

/// nproc, CPU model, date: the figures in RELIABILITY.md name the machine they came from.
fn machine() -> Value {
    let cpus = thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| t.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split_once(':')).map(|(_, m)| m.trim().to_owned()))
        .unwrap_or_else(|| "unknown CPU".into());
    let date = crate::process::run_capture(Command::new("date").args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])).unwrap_or_default().trim().to_owned();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().take(3).collect::<Vec<_>>().join(" ");
    json!({ "nproc": cpus, "cpu": model, "date": date, "loadavg_before": load,
            "summary": format!("{cpus} × {model}, {date}, load average {load}") })
}

struct LoadRun {
    report: Value,
    faults: Vec<Value>,
}

/// Runs tests/soak/load.ts; with `faults`, restarts rest at 25 % and db at 60 % of the run.
fn run_load(stack: &Stack, tools: &install::Tools, seconds: u64, concurrency: Option<u64>, faults: bool) -> Result<LoadRun> {
    let mut cmd = Command::new(&tools.deno);
    cmd.current_dir(&stack.repo)
        .envs(install::deno_env(tools))
        .env("NO_COLOR", "1")
        .env("STACK_STATUS", stack.status_json().to_string())
        .args(["run", "--quiet", "--allow-all", "tests/soak/load.ts", "--seconds"])
        .arg(seconds.to_string());
    if let Some(c) = concurrency {
        cmd.arg("--concurrency").arg(c.to_string());
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().map_err(|e| format!("run deno: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = mpsc::channel::<String>();
    let reader = thread::spawn(move || {
        let mut report = None;
        for line in BufReader::new(stdout).lines().map_while(std::result::Result::ok) {
            if let Some(json) = line.strip_prefix("LOAD_REPORT ") {
                report = Some(json.to_owned());
            } else {
                if line.starts_with("LOAD_STARTED ") {
                    let _ = tx.send(line.clone());
                }
                println!("  {line}");
            }
        }
        report
    });

    let mut injected = Vec::new();
    if faults {
        // Wait for the timed run to begin (after calibration and fixtures).
        let started = rx.recv_timeout(Duration::from_secs(120)).map_err(|_| "the load never started".to_string())?;
        let _ = started;
        let begin = Instant::now();
        for (service, at) in [("rest", 0.25), ("db", 0.60)] {
            let due = Duration::from_secs_f64(seconds as f64 * at);
            if let Some(wait) = due.checked_sub(begin.elapsed()) {
                thread::sleep(wait);
            }
            injected.push(restart(stack, service)?);
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    let report = reader.join().map_err(|_| "load reader panicked".to_string())?;
    let text = report.ok_or_else(|| format!("the load client ended ({status}) without a report"))?;
    let report: Value = serde_json::from_str(&text).map_err(|e| format!("load report: {e}"))?;
    Ok(LoadRun { report, faults: injected })
}

/// Stops a service, keeps it away for DOWNTIME, starts it and waits until it is ready.
fn restart(stack: &Stack, service: &str) -> Result<Value> {
    let stop_at = epoch_ms();
    ui::detail(&format!("fault: stopping {service}"));
    stack::service_command(stack, &["stop", service])?;
    let stopped_at = epoch_ms();
    thread::sleep(DOWNTIME);
    let start_at = epoch_ms();
    stack::service_command(stack, &["start", service])?;
    let ready_at = epoch_ms();
    ui::detail(&format!("fault: {service} back after {:.1} s (stop took {} ms, start {} ms)",
        (ready_at - stop_at) as f64 / 1000.0, stopped_at - stop_at, ready_at - start_at));
    Ok(json!({ "service": service, "stop_at": stop_at, "stopped_at": stopped_at, "start_at": start_at, "ready_at": ready_at,
               "down_ms": ready_at - stop_at }))
}

fn count(report: &Value, key: &str) -> u64 {
    report[key].as_u64().unwrap_or(0)
}

/// The acceptance checks of a load run.
fn check_load(name: &str, r: &Value) -> Vec<String> {
    let mut failures = Vec::new();
    let v = &r["verification"];
    let mut expect_zero = |what: &str, n: u64| {
        if n != 0 {
            failures.push(format!("{name}: {what} = {n} (expected 0)"));
        }
    };
    expect_zero("events lost", v["lost"].as_u64().unwrap_or(u64::MAX));
    expect_zero("events duplicated", v["duplicated"].as_u64().unwrap_or(u64::MAX));
    expect_zero("requests abandoned", count(r, "abandoned"));
    expect_zero("4xx answers", count(r, "clientErrors"));
    expect_zero("events rejected", count(r, "eventsRejected"));
    expect_zero("5xx without Retry-After", count(r, "retryAfterMissing"));
    if let Some(statuses) = r["statuses"].as_object() {
        for (status, n) in statuses {
            let n = n.as_u64().unwrap_or(0);
            // Allowed: 2xx, and 503 with Retry-After. A timeout means a hang; 500/502 a bug.
            if !(status.starts_with('2') || status == "503") {
                failures.push(format!("{name}: {n} attempt(s) ended with {status}"));
            }
        }
    }
    if v["acked"].as_u64().unwrap_or(0) == 0 {
        failures.push(format!("{name}: nothing was acknowledged"));
    }
    failures
}

fn sql_one(stack: &Stack, sql: &str) -> Result<String> {
    Ok(db::query(stack, "postgres", sql)?.trim().to_owned())
}

/// Stops the worker, makes a burst of trend changes, optionally loses the queue (as a crash
/// of pg_net's worker would: its queue is unlogged and rows leave it before sending), brings
/// the worker back after `outage` and times until every change is acknowledged.
fn outbox_scenario(stack: &Stack, lose_queue: bool, outage: Duration) -> Result<Value> {
    let tag = format!("soak-{:x}", epoch_ms());
    let label = if lose_queue { "queue lost" } else { "queue kept" };
    ui::detail(&format!("outbox ({label}): stopping the pg_net worker"));
    stack::service_command(stack, &["stop", "pg-net-worker"])?;
    let result = (|| -> Result<Value> {
        let burst_at = epoch_ms();
        // The burst: 1,000 new keywords, then four score changes of all of them, in five
        // statements (5,000 changes, 25 deliveries of 200).
        sql_one(stack, &format!("insert into public.trending_keywords (keyword, trend_score, source)
                                 select '{tag}-' || i, i % 100, 'soak' from generate_series(1, 1000) i"))?;
        for step in 1..=4 {
            sql_one(stack, &format!("update public.trending_keywords set trend_score = (trend_score + {}) % 100
                                     where keyword like '{tag}-%'", step * 7))?;
        }
        let changes: u64 = sql_one(stack, &format!("select count(*) from private.trend_outbox where keyword like '{tag}-%'"))?.parse().unwrap_or(0);
        let queued: u64 = sql_one(stack, "select count(*) from net.http_request_queue")?.parse().unwrap_or(0);
        if lose_queue {
            sql_one(stack, "delete from net.http_request_queue")?;
        }
        ui::detail(&format!("outbox ({label}): {changes} changes, {queued} queued requests{}; worker away for {} s",
            if lose_queue { " (deleted)" } else { "" }, outage.as_secs()));
        let until = Instant::now() + outage;
        while Instant::now() < until {
            thread::sleep(Duration::from_millis(200));
        }
        stack::service_command(stack, &["start", "pg-net-worker"])?;
        let returned_at = epoch_ms();
        let deadline = Instant::now() + OUTBOX_DEADLINE + Duration::from_secs(30);
        let open_sql = format!("select count(*) from private.trend_outbox where keyword like '{tag}-%' and acknowledged_at is null");
        let mut open: u64 = changes;
        while Instant::now() < deadline {
            open = sql_one(stack, &open_sql)?.parse().unwrap_or(u64::MAX);
            if open == 0 {
                break;
            }
            thread::sleep(Duration::from_millis(500));
        }
        let done_at = epoch_ms();
        let stats = sql_one(stack, &format!(
            "select json_build_object('max_attempts', max(attempts), 'resent', count(*) filter (where attempts > 1),
                    'last_ack_after_change_ms', (extract(epoch from max(acknowledged_at) - min(changed_at)) * 1000)::bigint)
             from private.trend_outbox where keyword like '{tag}-%'"))?;
        let after_return_ms = done_at.saturating_sub(returned_at);
        let complete = open == 0 && Duration::from_millis(after_return_ms) <= OUTBOX_DEADLINE;
        ui::detail(&format!("outbox ({label}): {open} of {changes} changes still open; the last acknowledged {:.1} s after the worker returned",
            after_return_ms as f64 / 1000.0));
        Ok(json!({ "changes": changes, "queued_requests": queued, "queue_lost": lose_queue, "outage_s": outage.as_secs(),
                   "burst_at": burst_at, "returned_at": returned_at, "done_at": done_at, "open_at_end": open,
                   "acknowledged_after_return_ms": after_return_ms, "complete": complete,
                   "rows": serde_json::from_str::<Value>(&stats).unwrap_or(Value::Null) }))
    })();
    // Whatever happened, the worker comes back.
    stack::service_command(stack, &["start", "pg-net-worker"])?;
    result
}

fn summarize(report: &Value) {
    for phase in ["load", "faults"] {
        let r = &report[phase];
        if r.is_null() {
            continue;
        }
        let v = &r["verification"];
        ui::detail(&format!(
            "{phase}: {} events/s ({} req/s, concurrency {}, batch {}); acked {}, stored {}, lost {}, duplicated {}; \
             latency p50 {} ms p99 {} ms; retries {}; statuses {}",
            r["eventsPerSec"], r["requestsPerSec"], r["concurrency"], r["batch"], v["acked"], v["stored"], v["lost"],
            v["duplicated"], r["latencyMs"]["p50"], r["latencyMs"]["p99"], r["retries"], r["statuses"]
        ));
    }
    if let Some(outbox) = report.get("outbox") {
        for key in ["queue_kept", "queue_lost"] {
            let o = &outbox[key];
            ui::detail(&format!("outbox {key}: {} changes, acknowledged {} ms after the worker returned (complete: {})",
                o["changes"], o["acknowledged_after_return_ms"], o["complete"]));
        }
    }
}
