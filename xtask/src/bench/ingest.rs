//! P1 ingestion throughput (full path vs per-row PostgREST vs raw SQL), P6 peak RSS of the
//! function under that load, and P5's request path (CPU per request, Rust vs TypeScript).

use std::sync::atomic::AtomicU64;
use std::time::Instant;

use serde_json::json;

use super::gen;
use super::http::{run_load, Bound, LoadOutcome, Request};
use super::report::{num, Met, Row, Stats};
use super::{cpu_seconds, proc_status_kb, BenchUser, Ctx, Plan};
use crate::{ui, Result};

/// Users and videos of the ingestion figures. Each user has 4 × VIDEOS unused
/// (video, feedback_type) pairs, so no write is ever a duplicate.
const USERS: usize = 500;
const VIDEOS: usize = 1_000;
pub const BATCH: u64 = 100;

pub fn fixtures(ctx: &mut Ctx) -> Result<()> {
    ui::step(&format!("bench fixtures: {USERS} users, {VIDEOS} cached videos"));
    let mut db = ctx.pg("postgres")?;
    let tag = format!("{:08x}", gen::next_u64() as u32);
    let users = db
        .query(
            "insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data, email_confirmed_at)
             select gen_random_uuid(), 'authenticated', 'authenticated', 'bench-' || $2::text || '-' || i || '@bench.invalid',
                    '{\"provider\":\"email\"}'::jsonb, '{}'::jsonb, now()
             from generate_series(1, $1::int) i
             returning id::text",
            &[&(USERS as i32), &tag],
        )
        .map_err(|e| format!("create bench users: {e}"))?;
    let videos = db
        .query(
            "insert into public.cached_videos (video_id, title, description, channel_id, published_at, duration_seconds, quality_score)
             select 'b' || $2::text || '-' || i, 'bench video ' || i, '', 'bench-channel-' || (i % 50), now() - (i || ' minutes')::interval, 60, 0.8
             from generate_series(1, $1::int) i
             returning id::text",
            &[&(VIDEOS as i32), &tag],
        )
        .map_err(|e| format!("create bench videos: {e}"))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    ctx.users = users
        .iter()
        .map(|r| {
            let id: String = r.get(0);
            let jwt = stack_keys::user_token(&ctx.stack.jwt_secret, &id, r#"{"provider":"email"}"#, now);
            BenchUser { id, jwt }
        })
        .collect();
    ctx.videos = videos.iter().map(|r| r.get(0)).collect();
    ctx.combos = (0..USERS).map(|_| AtomicU64::new(0)).collect();
    Ok(())
}

/// The three ways of writing feedback events that P1 compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    /// Client → gateway → feedback-ingest (wasm) → gateway → PostgREST → RPC, 100 per request.
    FullPath,
    /// Client → gateway → PostgREST insert, one row per request.
    PerRow,
    /// INSERT … SELECT FROM jsonb_to_recordset($1), 100 rows per statement, straight to PostgreSQL.
    RawSql,
}

fn one_run(ctx: &Ctx, method: Method, bound: Bound) -> Result<LoadOutcome> {
    let plan = &ctx.plan;
    match method {
        Method::FullPath => {
            let make = |seq: u64| {
                let (user, first) = ctx.take_combos(seq, BATCH);
                Request {
                    method: "POST",
                    path: "/functions/v1/feedback-ingest".into(),
                    headers: ctx.user_headers(user),
                    body: gen::feedback_batch(&ctx.videos, first, BATCH),
                    units: BATCH,
                    expect: 200,
                }
            };
            Ok(run_load(ctx.stack.api_port, plan.concurrency, bound, &make))
        }
        Method::PerRow => {
            let make = |seq: u64| {
                let (user, first) = ctx.take_combos(seq, 1);
                Request {
                    method: "POST",
                    path: "/rest/v1/user_feedback".into(),
                    headers: format!("{}Prefer: return=minimal\r\n", ctx.user_headers(user)),
                    body: gen::feedback_row(&user.id, &ctx.videos, first),
                    units: 1,
                    expect: 201,
                }
            };
            Ok(run_load(ctx.stack.api_port, plan.concurrency, bound, &make))
        }
        Method::RawSql => raw_sql_run(ctx, bound),
    }
}

const RAW_INSERT: &str = "insert into public.user_feedback
    (user_id, video_id, session_id, event_id, feedback_type, reason, comment, source_keyword, position_in_list, occurred_at)
  select $1::text::uuid, r.video_id, r.session_id, r.event_id, r.feedback_type, r.reason, r.comment, r.source_keyword,
         r.position_in_list, r.occurred_at
  from jsonb_to_recordset($2::text::jsonb) as r(event_id uuid, video_id uuid, feedback_type text, reason text, comment text,
       source_keyword text, position_in_list integer, session_id uuid, occurred_at timestamptz)
  on conflict do nothing";

/// The same batches as the RPC receives, inserted by `concurrency` connections of the table
/// owner: the floor of what any API in front of PostgreSQL can reach.
fn raw_sql_run(ctx: &Ctx, bound: Bound) -> Result<LoadOutcome> {
    let Bound::For(duration) = bound else { return Err("raw SQL runs are time-bounded".into()) };
    let seq = AtomicU64::new(0);
    let total = std::sync::Mutex::new(LoadOutcome::default());
    let mut clients = Vec::new();
    for _ in 0..ctx.plan.concurrency {
        let mut client = ctx.pg("postgres")?;
        let statement = client.prepare(RAW_INSERT).map_err(|e| format!("prepare the raw insert: {e}"))?;
        clients.push((client, statement));
    }
    let started = Instant::now();
    let deadline = started + duration;
    std::thread::scope(|scope| {
        for (mut client, statement) in clients {
            let (seq, total) = (&seq, &total);
            scope.spawn(move || {
                let mut mine = LoadOutcome::default();
                while Instant::now() < deadline {
                    let n = seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let (user, first) = ctx.take_combos(n, BATCH);
                    let rows = gen::feedback_rpc_array(&ctx.videos, first, BATCH);
                    let t0 = Instant::now();
                    match client.execute(&statement, &[&user.id, &rows]) {
                        Ok(written) => {
                            mine.ok += 1;
                            mine.units += written;
                            mine.latencies_us.push(t0.elapsed().as_micros() as u64);
                        }
                        Err(e) => {
                            mine.failed += 1;
                            mine.first_error.get_or_insert_with(|| e.to_string());
                        }
                    }
                }
                let mut t = total.lock().expect("no panics");
                t.ok += mine.ok;
                t.failed += mine.failed;
                t.units += mine.units;
                t.latencies_us.extend(mine.latencies_us);
                if t.first_error.is_none() {
                    t.first_error = mine.first_error;
                }
            });
        }
    });
    let mut out = total.into_inner().expect("joined");
    out.elapsed = started.elapsed();
    out.latencies_us.sort_unstable();
    Ok(out)
}

/// CPU seconds used so far by each part of the stack (PostgreSQL: the postmaster's children
/// alive now), to attribute a run's CPU to gateway, function, PostgREST, database and client.
pub fn cpu_snapshot(ctx: &Ctx) -> std::collections::BTreeMap<String, f64> {
    let mut out = std::collections::BTreeMap::new();
    // PostgreSQL per backend pid (keys "pg <pid>"), summed by `cpu_delta`.
    for (label, service) in [("gateway", "gateway".to_owned()), ("function feedback-ingest", "fn-feedback-ingest".to_owned()), ("postrust", "rest".to_owned())] {
        if let Ok(pid) = ctx.service_pid(&service) {
            out.insert(label.to_owned(), cpu_seconds(pid).unwrap_or(0.0));
        }
    }
    out.insert("load generator (xtask)".into(), cpu_seconds(std::process::id()).unwrap_or(0.0));
    let postmaster: Option<u32> = std::fs::read_to_string(ctx.stack.dir.join("db/postmaster.pid")).ok().and_then(|t| t.lines().next()?.trim().parse().ok());
    if let Some(pm) = postmaster {
        out.insert(format!("pg {pm}"), cpu_seconds(pm).unwrap_or(0.0));
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
            let ppid = stat.rsplit_once(')').and_then(|(_, r)| r.split_whitespace().nth(1)).and_then(|v| v.parse::<u32>().ok());
            if ppid == Some(pm) {
                out.insert(format!("pg {pid}"), cpu_seconds(pid).unwrap_or(0.0));
            }
        }
    }
    out
}

/// Per part, CPU ms per request between two snapshots. A backend that started during the run
/// counts from zero; one that exited during it is lost (so PostgreSQL is a lower bound).
fn cpu_delta(before: &std::collections::BTreeMap<String, f64>, after: &std::collections::BTreeMap<String, f64>, requests: u64) -> serde_json::Map<String, serde_json::Value> {
    let mut out = std::collections::BTreeMap::<String, f64>::new();
    for (k, v) in after {
        let d = (v - before.get(k).copied().unwrap_or(0.0)).max(0.0);
        let key = if k.starts_with("pg ") { "postgresql".to_owned() } else { k.clone() };
        *out.entry(key).or_default() += d;
    }
    out.into_iter().map(|(k, v)| (k, json!(v * 1000.0 / requests.max(1) as f64))).collect()
}

fn describe(o: &LoadOutcome) -> serde_json::Value {
    json!({
        "ok": o.ok, "failed": o.failed, "units": o.units, "elapsed_secs": o.elapsed.as_secs_f64(),
        "units_per_sec": o.units_per_sec(), "requests_per_sec": o.requests_per_sec(),
        "p50_ms": super::http::quantile(&o.latencies_us, 0.5).map(|v| v as f64 / 1000.0),
        "p99_ms": super::http::quantile(&o.latencies_us, 0.99).map(|v| v as f64 / 1000.0),
        "statuses": o.statuses.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "first_error": o.first_error,
    })
}

/// P1 and P6.
pub fn throughput(ctx: &mut Ctx) -> Result<()> {
    let methods = [Method::FullPath, Method::PerRow, Method::RawSql];
    // Warm-up: JIT, connection pools, caches; not counted.
    for m in methods {
        let o = one_run(ctx, m, Bound::For(std::time::Duration::from_secs_f64(1.0)))?;
        if o.ok == 0 {
            return Err(format!("{m:?} warm-up wrote nothing: {}", o.first_error.unwrap_or_default()));
        }
    }
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); 3];
    let mut breakdown: Vec<serde_json::Map<String, serde_json::Value>> = Vec::new();
    let mut raw = Vec::new();
    for round in 0..ctx.plan.rounds {
        let mut order = methods.to_vec();
        if Plan::flip(round) {
            order.reverse();
        }
        for m in order {
            let before = cpu_snapshot(ctx);
            let o = one_run(ctx, m, Bound::For(ctx.plan.load_duration()))?;
            let after = cpu_snapshot(ctx);
            let cpu_ms_per_request = cpu_delta(&before, &after, o.ok);
            if m == Method::FullPath {
                breakdown.push(cpu_ms_per_request.clone());
            }
            ui::detail(&format!("round {}: {m:?} {:.0} events/s ({} ok, {} failed)", round + 1, o.units_per_sec(), o.ok, o.failed));
            if o.failed > 0 {
                ui::detail(&format!("  first error: {}", o.first_error.as_deref().unwrap_or("")));
            }
            let i = methods.iter().position(|x| *x == m).unwrap_or(0);
            rates[i].push(o.units_per_sec());
            raw.push(json!({ "round": round + 1, "method": format!("{m:?}"), "outcome": describe(&o), "cpu_ms_per_request": cpu_ms_per_request }));
        }
    }
    let full = Stats::of(&rates[0]).ok_or("no rounds")?;
    let per_row = Stats::of(&rates[1]).ok_or("no rounds")?;
    let sql = Stats::of(&rates[2]).ok_or("no rounds")?;
    // Ratios per round (same round, so the same machine load), then their median.
    let vs_row = Stats::of(&rates[0].iter().zip(&rates[1]).map(|(a, b)| a / b).collect::<Vec<_>>()).ok_or("no rounds")?;
    let vs_sql = Stats::of(&rates[0].iter().zip(&rates[2]).map(|(a, b)| a / b).collect::<Vec<_>>()).ok_or("no rounds")?;
    ctx.report.raw("P1", json!({ "runs": raw, "concurrency": ctx.plan.concurrency, "batch": BATCH, "seconds_per_run": ctx.plan.load_secs }));

    // Where a full-path request's CPU goes (median over rounds, ms per 100-event request).
    let parts: Vec<String> = breakdown
        .first()
        .map(|m| m.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|k| {
            let v: Vec<f64> = breakdown.iter().filter_map(|b| b.get(&k).and_then(serde_json::Value::as_f64)).collect();
            Stats::of(&v).map(|s| (k, s.median))
        })
        .map(|(k, ms)| format!("{k} {ms:.2} ms"))
        .collect();
    let cpu_text = parts.join(", ");
    let met_abs = full.median >= 15_000.0;
    let mut row = Row::new("P1a", "ingestion events/s, feedback-ingest, batches of 100, full path (client → gateway → function → PostgREST → RPC)")
        .value(full.show(" ev/s", 0))
        .target("≥ 15,000 events/s", Met::from_bool(met_abs))
        .note(format!("CPU per 100-event request: {cpu_text}."));
    if !met_abs {
        row = row.note(format!(
            "CPU per 100-event request: {cpu_text}. Everything shares 2 cores: per 100-event request the gateway verifies the JWT and proxies twice (client → function, function → PostgREST), the function validates 100 events, postrust runs the RPC and PostgreSQL writes 100 rows with 3 indexes, 2 unique keys and the keyword-counter statement triggers. Raw SQL alone reaches {} ev/s here, so the database is {:.0} % of the full path's budget. What would close it: a host where PostgreSQL is not on the same 2 cores as the load generator and 3 Deno processes (on Supabase it is not), or fewer hops (function → PostgREST directly instead of through the gateway).",
            num(sql.median, 0),
            100.0 * full.median / sql.median
        ));
    }
    ctx.report.push(row);
    ctx.report.push(
        Row::new("P1b", "full path vs per-row direct PostgREST inserts (one event per request, through the gateway)")
            .value(full.show(" ev/s", 0))
            .baseline(per_row.show(" ev/s", 0))
            .ratio(vs_row.show("×", 1))
            .target("≥ 10×", Met::from_bool(vs_row.median >= 10.0)),
    );
    let mut row = Row::new("P1c", "full path vs raw SQL INSERT … SELECT FROM jsonb_to_recordset (same batches, straight to PostgreSQL)")
        .value(full.show(" ev/s", 0))
        .baseline(sql.show(" ev/s", 0))
        .ratio(pct(&vs_sql))
        .target("≥ 40 % of raw SQL", Met::from_bool(vs_sql.median >= 0.4));
    if vs_sql.median < 0.4 {
        row = row.note("The full path adds two HTTP hops through the gateway, postrust's per-request transaction setup (role, JWT claims GUCs) and the function's validation to the same INSERT; see P1a for what shares the 2 cores.");
    }
    ctx.report.push(row);

    // P6: the function process served all of the above.
    let pid = ctx.service_pid("fn-feedback-ingest")?;
    let hwm = proc_status_kb(pid, "VmHWM").ok_or("VmHWM unreadable")?;
    let rss = proc_status_kb(pid, "VmRSS").unwrap_or(0);
    ctx.report.raw("P6", json!({ "pid": pid, "vm_hwm_kb": hwm, "vm_rss_kb_after": rss }));
    let mb = hwm as f64 / 1024.0;
    ctx.report.push(
        Row::new("P6", "peak RSS of the feedback-ingest process (deno serve + wasm) after the P1 load")
            .value(format!("{mb:.0} MiB (VmHWM; {:.0} MiB resident after)", rss as f64 / 1024.0))
            .target("≤ 128 MB", Met::from_bool(mb <= 128.0)),
    );
    Ok(())
}

pub fn pct(s: &Stats) -> String {
    if s.rounds.len() == 1 {
        return format!("{:.0} %", 100.0 * s.median);
    }
    format!("{:.0} % ({:.0}–{:.0} %)", 100.0 * s.median, 100.0 * s.min, 100.0 * s.max)
}

/// P5, request path: function-process CPU seconds per request, the wasm function against the
/// same function in TypeScript, both called directly on their port (no gateway) with the same
/// 100-event batches, both calling the same PostgREST.
pub fn cpu_per_request(ctx: &mut Ctx) -> Result<()> {
    for (slug, ts_file) in [("feedback-ingest", "bench/ts-baseline/feedback-ingest.ts"), ("watch-ingest", "bench/ts-baseline/watch-ingest.ts")] {
        let rust_port = ctx.function_port(slug)?;
        let rust_pid = ctx.service_pid(&format!("fn-{slug}"))?;
        let ts_port = super::coldstart::extra_port(ctx, if slug == "feedback-ingest" { 0 } else { 1 });
        let ts_pid = super::coldstart::start_extra(ctx, &format!("ts-{slug}"), &ctx.stack.repo.join(ts_file), ts_port)?;
        let make = |seq: u64| {
            let (user, first) = ctx.take_combos(seq, BATCH);
            let body = if slug == "feedback-ingest" {
                gen::feedback_batch(&ctx.videos, first, BATCH)
            } else {
                gen::watch_batch(&ctx.videos, first / 10 + seq * 7, BATCH)
            };
            Request { method: "POST", path: format!("/{slug}"), headers: ctx.user_headers(user), body, units: BATCH, expect: 200 }
        };
        // Warm both (JIT) before measuring.
        for port in [rust_port, ts_port] {
            let o = run_load(port, 4, Bound::Requests(ctx.plan.cpu_requests / 5 + 20), &make);
            if o.ok == 0 {
                return Err(format!("{slug} on port {port} answered no 200 in warm-up: {}", o.first_error.unwrap_or_default()));
            }
        }
        let mut rust = Vec::new();
        let mut ts = Vec::new();
        let mut raw = Vec::new();
        for round in 0..ctx.plan.rounds {
            let mut order = vec![(true, rust_port, rust_pid), (false, ts_port, ts_pid)];
            if Plan::flip(round) {
                order.reverse();
            }
            for (is_rust, port, pid) in order {
                let before = cpu_seconds(pid)?;
                let o = run_load(port, 4, Bound::Requests(ctx.plan.cpu_requests), &make);
                let used = cpu_seconds(pid)? - before;
                if o.failed > 0 {
                    ui::detail(&format!("  {slug} ({}) {} failed: {}", if is_rust { "wasm" } else { "ts" }, o.failed, o.first_error.as_deref().unwrap_or("")));
                }
                let per_req_us = used * 1e6 / o.ok.max(1) as f64;
                ui::detail(&format!("round {}: {slug} {} {per_req_us:.0} µs CPU/request ({} ok)", round + 1, if is_rust { "wasm" } else { "ts  " }, o.ok));
                if is_rust { rust.push(per_req_us) } else { ts.push(per_req_us) }
                raw.push(json!({ "round": round + 1, "impl": if is_rust { "wasm" } else { "typescript" }, "cpu_secs": used, "cpu_us_per_request": per_req_us, "outcome": describe(&o) }));
            }
        }
        super::coldstart::stop_extra(ctx, &format!("ts-{slug}"));
        let r = Stats::of(&rust).ok_or("no rounds")?;
        let t = Stats::of(&ts).ok_or("no rounds")?;
        let ratio = Stats::of(&rust.iter().zip(&ts).map(|(a, b)| a / b).collect::<Vec<_>>()).ok_or("no rounds")?;
        ctx.report.raw(&format!("P5_request_{slug}"), json!({ "runs": raw, "requests_per_round": ctx.plan.cpu_requests, "batch": BATCH }));
        let met = ratio.median <= 1.1;
        let mut row = Row::new(&format!("P5 {slug}"), format!("function CPU per request, {slug} (100-event batch, request path incl. its PostgREST call)"))
            .value(r.show(" µs", 0))
            .baseline(format!("TypeScript: {}", t.show(" µs", 0)))
            .ratio(ratio.show("×", 2))
            .target("≤ 1.1× TypeScript", Met::from_bool(met));
        if !met {
            row = row.note("Two causes, both measured: (1) the compute path itself is slower in wasm than in V8-compiled TypeScript (see the compute-path rows: the Rust core builds a serde_json::Value tree per event and formats timestamps through format!, allocation-heavy — natively 0.64 ms per 100 events at opt-level 3, 0.88 ms at opt-level \"z\"); (2) reqwest-in-wasm builds a web-sys Request, Headers and AbortController per call and re-reads the answer through JSON. What would close it: serialise the RPC rows straight into one String (no Value tree), a hand-written timestamp formatter, and a thin fetch binding instead of postgrest/reqwest (also −40 KB of .wasm: http, url, idna).");
        }
        ctx.report.push(row);
    }
    Ok(())
}
