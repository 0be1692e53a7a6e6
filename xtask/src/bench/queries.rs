//! P4: the seed's four query patterns (spec §4.3.1) at seed-data scale, as a signed-in user
//! (through RLS), in the database (EXPLAIN ANALYZE execution time) and through the API
//! (gateway → PostgREST, timed by the client) — against the same queries without the seed's
//! four pattern indexes. In the database the indexes are dropped inside a transaction that is
//! rolled back; for the API they are dropped for real and created again after each round.
//! The queries are the ones `cargo xtask seed-data` measures for docs/query-plans.md.

use std::process::Command;
use std::time::Instant;

use serde_json::{json, Value};

use super::http::{Client, Request};
use super::report::{Met, Row, Stats};
use super::{Ctx, Plan};
use crate::{process, ui, Result};

struct Pattern {
    name: &'static str,
    index: &'static str,
    table: &'static str,
    /// `$1` (and `$2`): the parameters; constants match the partial indexes' predicates.
    sql: &'static str,
    /// Parameter sets, `a|b`, popular values more often.
    params: &'static str,
    api: &'static str,
}

const PATTERNS: [Pattern; 4] = [
    Pattern {
        name: "1 a user's recent views",
        index: "idx_user_recent_watch",
        table: "video_interactions",
        sql: "select video_id, watch_duration, completion_rate, created_at from public.video_interactions where user_id = $1::text::uuid and interaction_type = 'view' order by created_at desc limit 20",
        params: "select user_id::text from (select user_id, min(h) as h from (select user_id, hashtext(id::text) as h from public.video_interactions where interaction_type = 'view' order by 2 limit 1000) s group by user_id) t order by h limit $1",
        api: "/rest/v1/video_interactions?select=video_id,watch_duration,completion_rate,created_at&user_id=eq.{1}&interaction_type=eq.view&order=created_at.desc&limit=20",
    },
    Pattern {
        name: "2 a keyword's high-quality videos",
        index: "idx_keyword_quality_videos",
        table: "keyword_video_mappings",
        sql: "select video_id, relevance_score, rank_position from public.keyword_video_mappings where keyword = $1 and relevance_score > 0.7 order by relevance_score desc limit 20",
        params: "select keyword::text from (select keyword, min(h) as h from (select keyword, hashtext(id::text) as h from public.keyword_video_mappings order by 2 limit 1000) s group by keyword) t order by h limit $1",
        api: "/rest/v1/keyword_video_mappings?select=video_id,relevance_score,rank_position&keyword=eq.{1}&relevance_score=gt.0.7&order=relevance_score.desc&limit=20",
    },
    Pattern {
        name: "3 trending keywords by time slot and weekday",
        index: "idx_trend_time_score",
        table: "trending_keywords",
        sql: "select keyword, category, trend_score, valid_until from public.trending_keywords where time_slot = $1 and day_of_week = $2::text::int and valid_until > now() order by trend_score desc limit 20",
        params: "select s || '|' || d from unnest(array['morning', 'afternoon', 'evening', 'night', 'all_day']) s cross join generate_series(0, 6) d order by hashtext(s || d) limit $1",
        api: "/rest/v1/trending_keywords?select=keyword,category,trend_score,valid_until&time_slot=eq.{1}&day_of_week=eq.{2}&valid_until=gt.now&order=trend_score.desc&limit=20",
    },
    Pattern {
        name: "4 a channel's recent good Shorts",
        index: "idx_channel_recent_videos",
        table: "cached_videos",
        sql: "select video_id, title, view_count, published_at from public.cached_videos where channel_id = $1 and is_shorts and quality_score > 0.6 order by published_at desc limit 20",
        params: "select channel_id from (select channel_id, min(h) as h from (select channel_id, hashtext(id::text) as h from public.cached_videos where channel_id like 'seed%' order by 2 limit 1000) s group by channel_id) t order by h limit $1",
        api: "/rest/v1/cached_videos?select=video_id,title,view_count,published_at&channel_id=eq.{1}&is_shorts=eq.true&quality_score=gt.0.6&order=published_at.desc&limit=20",
    },
];

/// Loads seed-data at the plan's scale into the bench stack through its own command.
/// seed-data also rewrites docs/query-plans.md from whatever stack it ran on: the committed
/// report (from the dev stack) is put back afterwards.
fn seed(ctx: &Ctx) -> Result<f64> {
    let report = ctx.stack.repo.join("docs/query-plans.md");
    let before = std::fs::read(&report).ok();
    let t0 = Instant::now();
    // Through cargo (not this executable's path: a concurrent build may have replaced it).
    let outcome = process::run_inherit(
        Command::new("cargo")
            .current_dir(&ctx.stack.repo)
            .env("STACK_NAME", ctx.stack.name)
            .args(["xtask", "seed-data", "--scale", &ctx.plan.seed_scale]),
    );
    if let Some(bytes) = before {
        let _ = std::fs::write(&report, bytes);
    }
    outcome.map_err(|e| format!("cargo xtask seed-data --scale {} on the bench stack: {e}", ctx.plan.seed_scale))?;
    Ok(t0.elapsed().as_secs_f64())
}

fn split(p: &str) -> (String, String) {
    match p.split_once('|') {
        Some((a, b)) => (a.to_owned(), b.to_owned()),
        None => (p.to_owned(), String::new()),
    }
}

/// Execution times (ms) and the scan nodes of one pass over `params`, as `authenticated`.
fn db_pass(db: &mut postgres::Client, pattern: &Pattern, params: &[String], subs: &[String], without_indexes: bool) -> Result<(Vec<f64>, Vec<String>)> {
    let mut tx = db.transaction().map_err(|e| e.to_string())?;
    if without_indexes {
        tx.batch_execute(&PATTERNS.iter().map(|p| format!("drop index public.{};", p.index)).collect::<String>()).map_err(|e| format!("drop the pattern indexes: {e}"))?;
    }
    tx.batch_execute("set local role authenticated").map_err(|e| e.to_string())?;
    let explain = format!("explain (analyze, timing off, buffers, format json) {}", pattern.sql);
    let two = pattern.sql.contains("$2");
    let stmt = tx.prepare(&explain).map_err(|e| format!("prepare {}: {e}", pattern.name))?;
    let mut times = Vec::new();
    let mut scans = Vec::new();
    for pass in 0..2 {
        for (p, sub) in params.iter().zip(subs) {
            tx.execute("select set_config('request.jwt.claims', $1, true)", &[&json!({ "sub": sub, "role": "authenticated" }).to_string()]).map_err(|e| e.to_string())?;
            let (a, b) = split(p);
            let rows = if two { tx.query(&stmt, &[&a, &b]) } else { tx.query(&stmt, &[&a]) }.map_err(|e| format!("{}: {e}", pattern.name))?;
            if pass == 0 {
                continue; // warm pass
            }
            let plan: Value = rows.first().map(|r| r.get::<_, Value>(0)).ok_or("no plan")?;
            times.push(plan[0]["Execution Time"].as_f64().unwrap_or(f64::NAN));
            let mut nodes = Vec::new();
            collect_scans(&plan[0]["Plan"], &mut nodes);
            scans.push(nodes.join(", "));
        }
    }
    tx.rollback().map_err(|e| e.to_string())?;
    Ok((times, scans))
}

fn collect_scans(node: &Value, out: &mut Vec<String>) {
    if let Some(kind) = node["Node Type"].as_str() {
        let touched = node["Shared Hit Blocks"].as_u64().unwrap_or(0) + node["Shared Read Blocks"].as_u64().unwrap_or(0);
        // A sequential scan of an empty partition reads nothing: not a scan worth reporting.
        let empty = kind == "Seq Scan" && touched == 0;
        if node.get("Relation Name").is_some() && !empty {
            let on = node["Index Name"].as_str().map(|i| format!(" using {i}")).unwrap_or_default();
            out.push(format!("{kind}{on}"));
        }
    }
    if let Some(children) = node["Plans"].as_array() {
        for c in children {
            collect_scans(c, out);
        }
    }
}

fn api_pass(ctx: &Ctx, pattern: &Pattern, params: &[String], subs: &[String]) -> Result<Vec<f64>> {
    let mut client = Client::new(ctx.stack.api_port);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut out = Vec::new();
    for pass in 0..2 {
        for (p, sub) in params.iter().zip(subs) {
            let (a, b) = split(p);
            let path = pattern.api.replace("{1}", &encode(&a)).replace("{2}", &encode(&b));
            let jwt = stack_keys::user_token(&ctx.stack.jwt_secret, sub, "{}", now);
            let req = Request {
                method: "GET",
                path,
                headers: format!("apikey: {}\r\nAuthorization: Bearer {jwt}\r\n", ctx.stack.anon_key()),
                body: Vec::new(),
                units: 1,
                expect: 200,
            };
            let t0 = Instant::now();
            let (status, body) = client.send(&req).map_err(|e| format!("{}: {e}", pattern.name))?;
            if status != 200 {
                return Err(format!("{} through the API answered {status}: {}", pattern.name, String::from_utf8_lossy(&body)));
            }
            if pass == 1 {
                out.push(t0.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    Ok(out)
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1]
}

pub fn run(ctx: &mut Ctx) -> Result<()> {
    let seconds = seed(ctx)?;
    ui::detail(&format!("seed-data --scale {} loaded in {seconds:.0} s", ctx.plan.seed_scale));
    let mut db = ctx.pg("postgres")?;
    let definitions: Vec<String> = PATTERNS
        .iter()
        .map(|p| db.query_one("select indexdef from pg_indexes where schemaname = 'public' and indexname = $1", &[&p.index]).map(|r| r.get(0)))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| format!("read the pattern index definitions: {e}"))?;
    // Partitions' indexes are reported under their parent index's name.
    let parents: std::collections::HashMap<String, String> = db
        .query("select c.relname::text, i.inhparent::regclass::text from pg_inherits i join pg_class c on c.oid = i.inhrelid where c.relkind = 'i'", &[])
        .map_err(|e| e.to_string())?
        .iter()
        .map(|r| (r.get(0), r.get::<_, String>(1).trim_start_matches("public.").to_owned()))
        .collect();
    let counts: Vec<(String, i64)> = PATTERNS
        .iter()
        .map(|p| db.query_one(&format!("select count(*) from public.{}", p.table), &[]).map(|r| (p.table.to_owned(), r.get(0))))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let n = ctx.plan.query_samples as i64;
    let mut users: Vec<String> = db.query(PATTERNS[0].params, &[&n]).map_err(|e| e.to_string())?.iter().map(|r| r.get(0)).collect();
    if users.is_empty() {
        return Err("seed-data left no video interactions to query".into());
    }
    let cycle = |v: &[String]| -> Vec<String> { (0..n as usize).map(|i| v[i % v.len()].clone()).collect() };
    users = cycle(&users);

    // [pattern][with=0/without=1] → per-round p99 (db), p50/p99 (api)
    let mut db_p99 = vec![[Vec::new(), Vec::new()]; 4];
    let mut db_p50 = vec![[Vec::new(), Vec::new()]; 4];
    let mut api_p50 = vec![[Vec::new(), Vec::new()]; 4];
    let mut api_p99 = vec![[Vec::new(), Vec::new()]; 4];
    let mut scans_seen: Vec<Vec<String>> = vec![Vec::new(); 4];
    let mut raw = Vec::new();
    let mut samples = Vec::new();
    for p in &PATTERNS {
        let params: Vec<String> = db.query(p.params, &[&n]).map_err(|e| e.to_string())?.iter().map(|r| r.get(0)).collect();
        if params.is_empty() {
            return Err(format!("no parameters for pattern {}", p.name));
        }
        samples.push(cycle(&params));
    }
    for round in 0..ctx.plan.rounds {
        let mut order = vec![false, true];
        if Plan::flip(round) {
            order.reverse();
        }
        for without in order {
            let v = usize::from(without);
            // In the database: indexes dropped inside a rolled-back transaction.
            for (i, p) in PATTERNS.iter().enumerate() {
                let subs = if i == 0 { samples[0].clone() } else { users.clone() };
                let (times, scans) = db_pass(&mut db, p, &samples[i], &subs, without)?;
                db_p50[i][v].push(quantile(&times, 0.5));
                db_p99[i][v].push(quantile(&times, 0.99));
                if !without {
                    for s in scans {
                        let s = parents.iter().fold(s, |s, (child, parent)| s.replace(child.as_str(), parent));
                        if !scans_seen[i].contains(&s) {
                            scans_seen[i].push(s);
                        }
                    }
                }
                raw.push(json!({ "round": round + 1, "pattern": p.name, "indexes": !without, "where": "database", "exec_ms": times }));
            }
            // Through the API: the indexes really gone for the pass, then back.
            if without {
                db.batch_execute(&PATTERNS.iter().map(|p| format!("drop index public.{};", p.index)).collect::<String>()).map_err(|e| e.to_string())?;
            }
            let api = (|| -> Result<()> {
                for (i, p) in PATTERNS.iter().enumerate() {
                    let subs = if i == 0 { samples[0].clone() } else { users.clone() };
                    let ms = api_pass(ctx, p, &samples[i], &subs)?;
                    api_p50[i][v].push(quantile(&ms, 0.5));
                    api_p99[i][v].push(quantile(&ms, 0.99));
                    raw.push(json!({ "round": round + 1, "pattern": p.name, "indexes": !without, "where": "api", "http_ms": ms }));
                }
                Ok(())
            })();
            if without {
                for def in &definitions {
                    db.batch_execute(def).map_err(|e| format!("re-create {def}: {e}"))?;
                }
                db.batch_execute("analyze public.video_interactions, public.keyword_video_mappings, public.trending_keywords, public.cached_videos").map_err(|e| e.to_string())?;
            }
            api?;
        }
    }
    ctx.report.raw("P4", json!({ "scale": ctx.plan.seed_scale, "seed_seconds": seconds, "table_rows": counts.iter().map(|(t, c)| (t.clone(), json!(c))).collect::<serde_json::Map<_, _>>(), "samples_per_round": n, "runs": raw, "scans_with_indexes": scans_seen }));
    let rows_text = counts.iter().map(|(t, c)| format!("{t} {}", super::report::num(*c as f64, 0))).collect::<Vec<_>>().join(", ");
    for (i, p) in PATTERNS.iter().enumerate() {
        let s = |v: &Vec<f64>| Stats::of(v).ok_or_else(|| "no rounds".to_string());
        let (w99, wo99, w50, wo50) = (s(&db_p99[i][0])?, s(&db_p99[i][1])?, s(&db_p50[i][0])?, s(&db_p50[i][1])?);
        let (aw50, aw99, awo50, awo99) = (s(&api_p50[i][0])?, s(&api_p99[i][0])?, s(&api_p50[i][1])?, s(&api_p99[i][1])?);
        let index_scans = scans_seen[i].iter().all(|s| s.contains("Index Scan") || s.contains("Index Only Scan"));
        let met = w99.median <= 2.0 && index_scans;
        let mut row = Row::new(&format!("P4 {}", &p.name[..1]), format!("query pattern {} (seed-data --scale {}), as a signed-in user", p.name, ctx.plan.seed_scale))
            .value(format!("DB p99 {} (p50 {}); API p50 {} / p99 {}; {}", w99.show(" ms", 3), w50.show(" ms", 3), aw50.show(" ms", 1), aw99.show(" ms", 1), scans_seen[i].join(" / ")))
            .baseline(format!("without the seed's indexes: DB p99 {} (p50 {}); API p50 {} / p99 {}", wo99.show(" ms", 3), wo50.show(" ms", 3), awo50.show(" ms", 1), awo99.show(" ms", 1)))
            .ratio(format!("{:.1}× (DB p99)", wo99.median / w99.median))
            .target("DB p99 ≤ 2 ms; index or index-only scans", Met::from_bool(met));
        let mut notes = vec![format!("rows: {rows_text}")];
        if !index_scans {
            notes.push("not every scan is an index scan".into());
        }
        row = row.note(notes.join("; "));
        ctx.report.push(row);
    }
    Ok(())
}
