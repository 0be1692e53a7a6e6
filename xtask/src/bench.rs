//! `cargo xtask bench [--quick] [--only P1,P3] [--scale N] [--keep]`: every performance figure
//! of the project beside its baseline, measured in the same run on an isolated stack
//! (`.stack/bench`, ports +200). Each figure and its baseline alternate over ≥ 3 rounds; the
//! table shows the median with min–max. Writes BENCHMARKS.md and target/bench/results.json
//! (`--quick`: small scale, under 3 minutes, into target/bench/quick/ — BENCHMARKS.md is only
//! written by a full run).
//!
//! Figures (BENCHMARKS.md explains each): P1 ingestion throughput, P2 trend webhook latency,
//! P3 cold start and .wasm size, P4 the seed's query patterns, P5 CPU per request and compute
//! path, P6 peak RSS.

mod coldstart;
mod compute;
mod gen;
mod http;
mod ingest;
mod queries;
mod report;
mod trend;

use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::install::{self, Tools};
use crate::stack::{self, Stack};
use crate::{build, db, ui, Result};
use report::Report;

/// Knobs of one run (quick or full).
#[derive(Debug, Clone)]
pub struct Plan {
    pub quick: bool,
    pub rounds: usize,
    /// Length of one throughput run.
    pub load_secs: f64,
    /// Closed-loop clients of the throughput runs.
    pub concurrency: usize,
    /// Requests per CPU-per-request measurement.
    pub cpu_requests: u64,
    /// Compute-path calls per round.
    pub compute_iterations: u64,
    /// Single-keyword updates timed per design and round (P2).
    pub latency_updates: usize,
    /// Keywords updated in one statement (P2).
    pub statement_keywords: usize,
    /// Bound on waiting for one statement's deliveries (P2).
    pub statement_timeout_secs: u64,
    /// seed-data scale (P4).
    pub seed_scale: String,
    /// EXPLAIN ANALYZE / API calls per query pattern and round (P4).
    pub query_samples: usize,
}

impl Plan {
    fn new(quick: bool, scale: Option<&str>) -> Self {
        if quick {
            Self {
                quick,
                rounds: 3,
                load_secs: 1.5,
                concurrency: 8,
                cpu_requests: 100,
                compute_iterations: 100,
                latency_updates: 8,
                statement_keywords: 300,
                statement_timeout_secs: 12,
                seed_scale: scale.unwrap_or("0.01").to_owned(),
                query_samples: 20,
            }
        } else {
            Self {
                quick,
                rounds: 3,
                load_secs: 10.0,
                concurrency: 8,
                cpu_requests: 800,
                compute_iterations: 1_000,
                latency_updates: 50,
                statement_keywords: 10_000,
                statement_timeout_secs: 90,
                seed_scale: scale.unwrap_or("0.1").to_owned(),
                query_samples: 200,
            }
        }
    }

    pub fn load_duration(&self) -> Duration {
        Duration::from_secs_f64(self.load_secs)
    }

    /// Which of the alternated pair goes first in `round` (baseline first on odd rounds).
    pub fn flip(round: usize) -> bool {
        round % 2 == 1
    }
}

/// A signed-in user of the bench fixtures.
#[derive(Debug, Clone)]
pub struct BenchUser {
    pub id: String,
    pub jwt: String,
}

/// What every figure shares: the stack, the fixtures, the report.
pub struct Ctx {
    pub stack: Stack,
    pub tools: Tools,
    pub plan: Plan,
    pub users: Vec<BenchUser>,
    pub videos: Vec<String>,
    /// Per user: the next unused (video, feedback_type) combination (see gen::feedback_event).
    pub combos: Vec<AtomicU64>,
    pub report: Report,
}

impl Ctx {
    /// Takes `n` fresh combinations of one user (rotating users by `seq`).
    pub fn take_combos(&self, seq: u64, n: u64) -> (&BenchUser, u64) {
        let u = (seq % self.users.len() as u64) as usize;
        let first = self.combos[u].fetch_add(n, Ordering::Relaxed);
        (&self.users[u], first)
    }

    pub fn pg(&self, user: &str) -> Result<postgres::Client> {
        pg_connect(&self.stack, user)
    }

    pub fn function_port(&self, slug: &str) -> Result<u16> {
        self.stack.functions.iter().find(|f| f.slug == slug).map(|f| f.port).ok_or_else(|| format!("no function {slug} in supabase/config.toml"))
    }

    /// The pid of a stack service (e.g. `fn-feedback-ingest`).
    pub fn service_pid(&self, name: &str) -> Result<u32> {
        self.stack.service(name).pid().filter(|p| crate::process::pid_alive(*p)).ok_or_else(|| format!("service {name} is not running"))
    }

    /// Environment of a function process, as the stack gives its own functions.
    pub fn function_env(&self) -> Vec<(String, String)> {
        vec![
            ("SUPABASE_URL".into(), self.stack.api_url()),
            ("SUPABASE_ANON_KEY".into(), self.stack.anon_key()),
            ("SUPABASE_SERVICE_ROLE_KEY".into(), self.stack.service_role_key()),
            ("SUPABASE_DB_URL".into(), self.stack.db_url()),
            ("TREND_WEBHOOK_SECRET".into(), self.stack.webhook_secret.clone()),
        ]
    }

    /// `deno serve` of `entrypoint` on `port`, like the stack starts its functions.
    pub fn deno_serve(&self, entrypoint: &std::path::Path, port: u16) -> Command {
        let mut cmd = Command::new(&self.tools.deno);
        cmd.current_dir(&self.stack.repo)
            .envs(install::deno_env(&self.tools))
            .args(["serve", "--quiet", "--allow-env", "--allow-net", "--allow-read"])
            .arg(format!("--port={port}"))
            .arg("--host=127.0.0.1")
            .arg(entrypoint)
            .envs(self.function_env());
        cmd
    }

    /// Headers of a user's request through the gateway (JSON body).
    pub fn user_headers(&self, user: &BenchUser) -> String {
        format!(
            "apikey: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\n",
            self.stack.anon_key(),
            user.jwt
        )
    }
}

pub fn pg_connect(stack: &Stack, user: &str) -> Result<postgres::Client> {
    postgres::Client::connect(
        &format!("host=127.0.0.1 port={} user={user} password=postgres dbname=postgres application_name=xtask-bench", stack.db_port),
        postgres::NoTls,
    )
    .map_err(|e| format!("connect to the bench database as {user}: {e}"))
}

/// CPU time (user + system) a process used so far, in seconds.
pub fn cpu_seconds(pid: u32) -> Result<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| format!("read /proc/{pid}/stat: {e}"))?;
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).ok_or("unreadable /proc stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the command: state(0) ppid(1) … utime(11) stime(12), in clock ticks.
    let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0) + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    Ok(ticks as f64 / clock_ticks_per_sec())
}

fn clock_ticks_per_sec() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        crate::process::run_capture(Command::new("getconf").arg("CLK_TCK")).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(100.0)
    })
}

/// A field of /proc/<pid>/status in kB (VmHWM: peak RSS, VmRSS: current).
pub fn proc_status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix(field)?.strip_prefix(':')?.trim().strip_suffix("kB")?.trim().parse().ok())
}

/// What the machine is, for the top of the report.
fn machine() -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find_map(|l| l.strip_prefix("model name")?.split_once(':').map(|(_, v)| v.trim().to_owned())).unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo.lines().find_map(|l| l.strip_prefix("MemTotal:")?.trim().strip_suffix("kB")?.trim().parse::<f64>().ok()).map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    let kernel = crate::process::run_capture(Command::new("uname").arg("-r")).unwrap_or_default();
    format!("{cores} cores, {model}, {mem_gib:.0} GiB; Linux {}; PostgreSQL 15, Deno {}", kernel.trim(), install::DENO_VERSION)
}

pub fn load_average() -> String {
    fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn utc_now() -> String {
    let ms = gen::now_ms();
    let text = gen::rfc3339_ms(ms);
    format!("{}Z", &text[..19])
}

pub fn run(flags: &[&str]) -> Result<()> {
    let quick = flags.contains(&"--quick");
    let keep = flags.contains(&"--keep");
    // Development of the bench itself: reuse a running bench stack (no reset).
    let reuse = flags.contains(&"--reuse");
    let value_of = |name: &str| flags.iter().position(|f| *f == name).and_then(|i| flags.get(i + 1)).map(|s| s.to_string());
    let only: Option<Vec<String>> = value_of("--only").map(|s| s.split(',').map(|p| p.trim().to_uppercase()).collect());
    let plan = Plan::new(quick, value_of("--scale").as_deref());
    let mut command = String::from("cargo xtask bench");
    for f in flags {
        command.push(' ');
        command.push_str(f);
    }

    let tools = install::ensure_all()?;
    build::build_all(&tools)?;
    let stack = Stack::bench()?;
    ui::step("starting the isolated bench stack (.stack/bench)");
    if !reuse {
        stack::down(&stack)?;
        db::reset(&stack)?;
    }
    stack::up(&stack, &tools)?;

    let started = Instant::now();
    let date = utc_now();
    let machine = machine();
    let load_before = load_average();
    let mut ctx = Ctx { stack: stack.clone(), tools, plan, users: Vec::new(), videos: Vec::new(), combos: Vec::new(), report: Report::default() };
    let outcome = run_figures(&mut ctx, only.as_deref());
    // The TypeScript baselines and cold-start processes are ours: stop them whatever happened.
    coldstart::stop_extra_services(&ctx);
    if !keep {
        let _ = stack::down(&stack);
    }
    outcome?;

    let load_after = load_average();
    let elapsed = started.elapsed().as_secs_f64();
    let machine_line = format!("{machine}; load average {load_before} before, {load_after} after (machine shared with other work)");
    let out_dir = build::target_dir(&stack.repo).join("bench").join(if ctx.plan.quick { "quick" } else { "" });
    fs::create_dir_all(&out_dir).map_err(|e| format!("create {}: {e}", out_dir.display()))?;
    let json = serde_json::json!({
        "machine": machine_line,
        "date": date,
        "command": command,
        "quick": ctx.plan.quick,
        "elapsed_secs": elapsed,
        "plan": format!("{:?}", ctx.plan),
        "rows": ctx.report.rows,
        "raw": ctx.report.raw,
        "problems": ctx.report.problems,
    });
    let json_path = out_dir.join("results.json");
    fs::write(&json_path, serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let mut md = report::markdown(&ctx.report, &machine_line, &date, &command, INTRO);
    md.push_str(METHOD);
    let md_path: PathBuf = if ctx.plan.quick || only.is_some() { out_dir.join("BENCHMARKS.md") } else { stack.repo.join("BENCHMARKS.md") };
    fs::write(&md_path, md).map_err(|e| e.to_string())?;
    ui::step(&format!("bench done in {elapsed:.0}s: {} and {}", md_path.display(), json_path.display()));
    if ctx.report.problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{} figure(s) could not be measured:\n{}", ctx.report.problems.len(), ctx.report.problems.join("\n")))
    }
}

/// For `cargo xtask test`: the whole harness once at the quick scale, no speed asserted.
/// Fails only when a figure could not be measured at all.
pub fn quick_smoke() -> Result<()> {
    run(&["--quick"])
}

const INTRO: &str = "Written by `cargo xtask bench` (the full run; `--quick` writes `target/bench/quick/` instead). \
Every figure is measured beside its baseline in the same run, on an isolated local stack (`.stack/bench`): \
the two alternate over the rounds and each cell is the median with min–max in brackets. Raw numbers of \
every round: `target/bench/results.json`. Everything — load generator, database, API, gateway, functions — \
shares the same 2 cores, so absolute figures are lower bounds of what a dedicated host gives; the ratios \
are the point. The local stack differs from Supabase (README: PostgreSQL 15, postrust instead of PostgREST, \
a Deno gateway instead of Kong, `deno serve` instead of the edge runtime).";

const METHOD: &str = "
## How each figure is measured

- **Load generator**: a closed-loop keep-alive HTTP/1.1 client inside xtask (std threads, one
  connection per worker, 8 workers for throughput); every request body is made client-side with
  fresh `event_id`s (ingestion is idempotent, a reused id would be a cheap duplicate). The raw-SQL
  baseline uses 8 PostgreSQL connections with a prepared `INSERT … SELECT FROM jsonb_to_recordset($2)`.
  Fixtures: 500 users (JWTs signed with the stack's secret) and 1,000 cached videos; each user's
  (video, feedback_type) pairs are handed out once, so every event is a real insert.
- **P1**: full path = client → gateway (JWT check) → feedback-ingest (wasm) → gateway → postrust →
  `ingest_feedback_events` RPC; per-row = `POST /rest/v1/user_feedback` one row per request through
  the gateway (what an app without the function does); raw SQL = the same 100-row batches straight
  to PostgreSQL as the table owner. Ratios are taken per round, then the median. The CPU split per
  request (results.json `cpu_ms_per_request`) comes from /proc/<pid>/stat of each process.
- **P2**: single-keyword `UPDATE`s, one at a time; the clock starts when the `UPDATE` has committed
  and stops when a bench-only trigger on the outbox row's acknowledgement (written by
  `trend_apply_plan` in the same transaction as the predictions) notifies a `LISTEN`ing connection,
  i.e. when the predictions are committed. The per-row baseline is a bench-only `FOR EACH ROW`
  trigger calling the same `private.record_trend_changes` for its one row: one signed request per
  row to the same function (the seed's own body carries no outbox id and would be refused). The
  pg_cron reconciler is unscheduled during P2 so that only the trigger under test sends.
- **P3**: `deno serve` of the function on a free port; the clock runs from spawning the process to
  the first 200 of a real request (ingestion: a one-event batch with a user JWT, written through
  PostgREST; trend-update: a signed delivery, verified, one context RPC). One unmeasured start
  first warms Deno's module cache. Sizes: the `.wasm` in `pkg/` after wasm-bindgen and custom-section
  stripping, gzip -9.
- **P4**: `cargo xtask seed-data --scale N` into the bench stack (docs/query-plans.md is restored
  afterwards). In the database: `EXPLAIN (ANALYZE, TIMING OFF, BUFFERS, FORMAT JSON)` as role
  `authenticated` with the user's JWT claims (RLS applies), a warm pass then a timed pass over
  sampled parameters; without indexes = the same inside a transaction that dropped the four pattern
  indexes and is rolled back. Through the API: `GET /rest/v1/…` with a user JWT via the gateway;
  without indexes = the indexes dropped for real for that pass and re-created (from `pg_indexes`)
  after it.
- **P5**: request path = function-process CPU (utime + stime from /proc) over a fixed number of
  100-event requests sent straight to the function's port, wasm function vs the same function in
  TypeScript (`bench/ts-baseline/`), both calling the same PostgREST. Compute path =
  `bench/compute.ts`: the pure work (no I/O) of each function in one Deno process, wasm export
  (`plan_only`, `plan_for_backtest`) vs the TypeScript port, alternating; outputs are compared.
- **P6**: `VmHWM` of the feedback-ingest `deno serve` process after P1 (the stack is fresh for each
  run, so it is the peak under that load).
";

fn run_figures(ctx: &mut Ctx, only: Option<&[String]>) -> Result<()> {
    let wants = |id: &str| only.is_none_or(|o| o.iter().any(|x| x == id));
    ingest::fixtures(ctx)?;
    macro_rules! figure {
        ($id:literal, $call:expr) => {
            if wants($id) {
                ui::step(&format!("{} (load average {})", $id, load_average()));
                if let Err(e) = $call {
                    ctx.report.problem($id, &e);
                }
            }
        };
    }
    figure!("P3", coldstart::run(ctx));
    figure!("P1", ingest::throughput(ctx));
    figure!("P5", ingest::cpu_per_request(ctx));
    figure!("P5", compute::run(ctx));
    figure!("P2", trend::run(ctx));
    figure!("P4", queries::run(ctx));
    Ok(())
}
