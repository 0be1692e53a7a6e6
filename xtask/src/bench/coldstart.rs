//! P3: cold start (process start → first 200 of a real request) of each function, wasm
//! against TypeScript doing the same work; and the size of each .wasm, raw and gzip.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use super::http::{Conn, Request};
use super::report::{Met, Row, Stats};
use super::{gen, Ctx, Plan};
use crate::process::Service;
use crate::{ui, Result};

/// Ports of processes the bench starts itself: from api + 30 + 10·n (the stack uses api …
/// api + 2x) up, skipping ports any socket uses — an outgoing connection's local port too,
/// which a plain bind check misses.
pub fn extra_port(ctx: &Ctx, n: u16) -> u16 {
    let used = used_ports();
    let base = ctx.stack.api_port + 30 + 10 * n;
    (base..base + 10).find(|p| !used.contains(p)).unwrap_or(base)
}

fn used_ports() -> std::collections::HashSet<u16> {
    let mut out = std::collections::HashSet::new();
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        for line in std::fs::read_to_string(file).unwrap_or_default().lines().skip(1) {
            if let Some(port) = line.split_whitespace().nth(1).and_then(|a| a.rsplit(':').next()).and_then(|p| u16::from_str_radix(p, 16).ok()) {
                out.insert(port);
            }
        }
    }
    out
}

fn extra_service(ctx: &Ctx, name: &str) -> Service {
    ctx.stack.service(&format!("bench-{name}"))
}

/// Starts `deno serve entrypoint` as a background service and waits for its port.
pub fn start_extra(ctx: &Ctx, name: &str, entrypoint: &Path, port: u16) -> Result<u32> {
    let service = extra_service(ctx, name);
    service.stop();
    crate::process::ensure_port_free(port, name, "SHORTS_API_PORT (the bench uses api port + 30…)")?;
    let pid = service.start(ctx.deno_serve(entrypoint, port))?;
    crate::process::wait_ready(&service, Duration::from_secs(60), || crate::process::port_open(port))?;
    Ok(pid)
}

pub fn stop_extra(ctx: &Ctx, name: &str) {
    extra_service(ctx, name).stop();
}

pub fn stop_extra_services(ctx: &Ctx) {
    for name in ["ts-feedback-ingest", "ts-watch-ingest", "ts-trend-update"] {
        stop_extra(ctx, name);
    }
}

/// The first request each function gets: a real one, answered 200 only after its PostgREST
/// call(s) succeeded.
fn first_request(ctx: &Ctx, slug: &str) -> Result<Request> {
    let (user, first) = ctx.take_combos(0, 1);
    let headers = ctx.user_headers(user);
    Ok(match slug {
        "feedback-ingest" => Request { method: "POST", path: format!("/{slug}"), headers, body: gen::feedback_batch(&ctx.videos, first, 1), units: 1, expect: 200 },
        "watch-ingest" => Request { method: "POST", path: format!("/{slug}"), headers, body: gen::watch_batch(&ctx.videos, first, 1), units: 1, expect: 200 },
        "trend-update" => {
            // A signed delivery naming an outbox row that does not exist: verify, one context
            // RPC, an empty plan, 200.
            let body = format!(r#"{{"delivery_id":"{}","outbox_ids":[9000000000],"sent_at":"{}"}}"#, gen::uuid_v4(), gen::rfc3339_ms(gen::now_ms()));
            Request { method: "POST", path: format!("/{slug}"), headers: super::trend::signed_headers(&ctx.stack.webhook_secret, &body), body: body.into_bytes(), units: 1, expect: 200 }
        }
        other => return Err(format!("no first request for {other}")),
    })
}

/// Spawn → connect → first 200, in milliseconds.
fn cold_start_once(ctx: &Ctx, entrypoint: &Path, port: u16, req: &Request) -> Result<f64> {
    crate::process::ensure_port_free(port, "cold-start probe", "SHORTS_API_PORT")?;
    let mut cmd = ctx.deno_serve(entrypoint, port);
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    let t0 = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("spawn deno: {e}"))?;
    let deadline = t0 + Duration::from_secs(30);
    let result = loop {
        if Instant::now() > deadline {
            break Err(format!("{} gave no 200 within 30 s", entrypoint.display()));
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            break Err(format!("{} exited ({status}) before answering:\n{err}", entrypoint.display()));
        }
        match Conn::connect(port, Duration::from_millis(100)) {
            Ok(mut conn) => match conn.request(req) {
                Ok((200, _, _)) => break Ok(t0.elapsed().as_secs_f64() * 1000.0),
                Ok((status, body, _)) => break Err(format!("first request answered {status}: {}", String::from_utf8_lossy(&body))),
                Err(_) => std::thread::sleep(Duration::from_millis(1)),
            },
            Err(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn gzip_size(path: &Path) -> Result<u64> {
    let out = Command::new("gzip").args(["-9", "-c"]).arg(path).output().map_err(|e| format!("gzip: {e}"))?;
    Ok(out.stdout.len() as u64)
}

pub fn run(ctx: &mut Ctx) -> Result<()> {
    // Reference: an empty function, i.e. what starting `deno serve` costs by itself.
    let empty = ctx.stack.repo.join("bench/empty.ts");
    let probe = Request { method: "GET", path: "/".into(), headers: String::new(), body: Vec::new(), units: 1, expect: 200 };
    cold_start_once(ctx, &empty, extra_port(ctx, 5), &probe)?;
    let mut empty_ms = Vec::new();
    for _ in 0..if ctx.plan.quick { ctx.plan.rounds } else { ctx.plan.rounds.max(5) } {
        empty_ms.push(cold_start_once(ctx, &empty, extra_port(ctx, 5), &probe)?);
    }
    let empty_stats = Stats::of(&empty_ms).ok_or("no rounds")?;
    ctx.report.raw("P3_empty_function", json!({ "ms": empty_ms }));
    let functions: Vec<(String, std::path::PathBuf)> = ctx.stack.functions.iter().map(|f| (f.slug.clone(), f.entrypoint.clone())).collect();
    for (slug, entry) in functions {
        let ts_entry = ctx.stack.repo.join(format!("bench/ts-baseline/{slug}.ts"));
        let has_ts = ts_entry.exists();
        // One unmeasured start of each: Deno's module cache is then warm for both, as it is
        // for a deployed function.
        let req = first_request(ctx, &slug)?;
        cold_start_once(ctx, &entry, extra_port(ctx, 5), &req)?;
        if has_ts {
            cold_start_once(ctx, &ts_entry, extra_port(ctx, 5), &first_request(ctx, &slug)?)?;
        }
        let (mut wasm_ms, mut ts_ms) = (Vec::new(), Vec::new());
        for round in 0..if ctx.plan.quick { ctx.plan.rounds } else { ctx.plan.rounds.max(5) } {
            let mut order = vec![true, false];
            if Plan::flip(round) {
                order.reverse();
            }
            for is_wasm in order {
                if !is_wasm && !has_ts {
                    continue;
                }
                let req = first_request(ctx, &slug)?;
                let ms = cold_start_once(ctx, if is_wasm { &entry } else { &ts_entry }, extra_port(ctx, 5), &req)?;
                if is_wasm { wasm_ms.push(ms) } else { ts_ms.push(ms) }
            }
        }
        let pkg = ctx.stack.repo.join("pkg").join(&slug);
        let wasm_file = std::fs::read_dir(&pkg)
            .map_err(|e| format!("{}: {e}", pkg.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.to_string_lossy().ends_with("_bg.wasm"))
            .ok_or_else(|| format!("no .wasm in {}", pkg.display()))?;
        let raw = std::fs::metadata(&wasm_file).map_err(|e| e.to_string())?.len();
        let gz = gzip_size(&wasm_file)?;
        let w = Stats::of(&wasm_ms).ok_or("no rounds")?;
        ctx.report.raw(&format!("P3_{slug}"), json!({ "wasm_ms": wasm_ms, "typescript_ms": ts_ms, "wasm_bytes": raw, "wasm_gzip_bytes": gz }));
        let mut row = Row::new(&format!("P3 {slug}"), format!("cold start of {slug}: process start → first 200 of a real request"))
            .value(w.show(" ms", 0))
            .target("≤ 60 ms", Met::from_bool(w.median <= 60.0));
        if let Some(t) = Stats::of(&ts_ms) {
            row = row.baseline(format!("TypeScript: {}", t.show(" ms", 0))).ratio(format!("{:.2}×", w.median / t.median));
        } else {
            row = row.baseline("no TypeScript port of this function (see P5 compute path)");
        }
        let own = w.median - empty_stats.median;
        row = row.note(format!(
            "Process start → first 200, so it includes starting Deno itself: an empty function (bench/empty.ts) takes {} here; the function's own share is ≈ {own:.0} ms (loading its module graph, decoding and compiling the embedded .wasm, the first request with its PostgREST round trip(s)).{}",
            empty_stats.show(" ms", 0),
            if w.median > 60.0 { " On Supabase the edge runtime is already running when a function boots, so only the function's own share is a cold start there; what would close the rest: a smaller .wasm (it is compiled at boot) and no base64 decoding (ship the .wasm as a static file where the runtime serves it from the bundle)." } else { "" }
        ));
        ctx.report.push(row);
        let kib = gz as f64 / 1024.0;
        let mut size = Row::new(&format!("P3 {slug} size"), format!("{slug} .wasm size, raw / gzip -9"))
            .value(format!("{:.0} KiB / {kib:.1} KiB", raw as f64 / 1024.0))
            .target("≤ 150 KB gzip", Met::from_bool(kib <= 150.0));
        if kib > 150.0 {
            size = size.note("twiggy on the module: besides serde_json (~39 KB) and core's float formatting (~15 KB), the HTTP client stack reqwest → http (header-name table 12 KB) → url → idna (~50 KB together) is the largest removable part; custom sections are already stripped and idna's Unicode tables are already dropped (idna_adapter 1.0). What would close it: call PostgREST through a thin js fetch binding instead of postgrest/reqwest (also the P5 request-path fix), or drop serde_path_to_error (~5 KB).");
        }
        ctx.report.push(size);
        ui::detail(&format!("{slug}: cold start {w:?}"));
    }
    Ok(())
}
