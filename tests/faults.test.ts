// Short fault-injection runs (the long ones are `cargo xtask soak`, RELIABILITY.md §1–2):
// ingestion under load while the API server restarts, and a request while PostgreSQL is down.
// Answers are 2xx or 503 + Retry-After (never 500/502, never a hang); clients retrying with
// the same event ids lose nothing and duplicate nothing.
import assert from "node:assert/strict";
import { ownerDb, stack } from "./support/stack.ts";
import { createUser, createVideos } from "./support/fixtures.ts";
import { callFunction, xtaskService } from "./support/http.ts";
import { runLoad, setupFixtures, verifyLoad } from "./soak/load.ts";

const ignore = !stack;
const S = stack!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Until the API answers 10 times in a row (stale pool connections are gone). */
async function waitHealthy() {
  const deadline = Date.now() + 30_000;
  let streak = 0;
  while (streak < 10) {
    if (Date.now() > deadline) throw new Error("the API did not come back within 30 s");
    const res = await fetch(`${S.API_URL}/rest/v1/cached_videos?select=id&limit=1`, { headers: { apikey: S.ANON_KEY } }).catch(() => null);
    streak = res?.status === 200 ? streak + 1 : 0;
    await res?.body?.cancel();
    if (streak === 0) await sleep(200);
  }
}

Deno.test({ name: "faults: 6 s of ingestion across an API-server restart: 2xx or 503 + Retry-After only; 0 lost, 0 duplicated", ignore }, async () => {
  const sql = ownerDb();
  try {
    const fx = await setupFixtures(sql, 4, 40);
    const load = runLoad({ functionsUrl: S.FUNCTIONS_URL, concurrency: 4, batch: 10, durationMs: 6_000, drainMs: 30_000 }, fx);
    await sleep(1_500);
    await xtaskService("stop", "rest");
    await sleep(1_000);
    await xtaskService("start", "rest");
    const report = await load;
    const v = await verifyLoad(sql, report, fx);
    console.log(`acked ${v.acked}, stored ${v.stored}, lost ${v.lost}, duplicated ${v.duplicated}; statuses ${JSON.stringify(report.statuses)}; ` +
      `outages ${JSON.stringify(report.outages.map((o) => o.ms))} ms; p99 ${report.latencyMs.p99} ms`);
    assert.ok(v.acked > 0);
    assert.equal(v.lost, 0, "acknowledged but not stored");
    assert.equal(v.duplicated, 0, "stored twice");
    assert.equal(v.stored, v.acked);
    assert.equal(report.abandoned, 0);
    assert.deepEqual(Object.keys(report.statuses).filter((s) => s !== "200" && s !== "503"), [], JSON.stringify(report.statuses));
    assert.ok((report.statuses["503"] ?? 0) > 0, "the restart was seen by the clients (503s)");
    assert.deepEqual(Object.keys(report.codes), ["upstream_unavailable"]);
    assert.equal(report.retryAfterMissing, 0, "every 503 carries Retry-After");
    assert.equal(report.clientErrors + report.eventsRejected, 0);
  } finally {
    await xtaskService("start", "rest").catch(() => {});
    await sql.end();
  }
});

Deno.test({ name: "faults: with PostgreSQL stopped a function answers 503 + Retry-After within ~10 s; the retry lands once", ignore }, async () => {
  const sql = ownerDb();
  const user = await createUser(sql);
  const [video] = await createVideos(sql, 1, "db-down");
  await sql.end();
  const event = { event_id: crypto.randomUUID(), session_id: crypto.randomUUID(), video_id: video, event_type: "play", video_timestamp: 0, occurred_at: new Date().toISOString() };
  const post = () => callFunction("watch-ingest", { headers: { "content-type": "application/json", authorization: `Bearer ${user.jwt}` }, body: JSON.stringify(event) });
  try {
    await xtaskService("stop", "db");
    const r = await post();
    assert.equal(r.status, 503, r.text);
    assert.equal(r.json.error.code, "upstream_unavailable");
    assert.equal(r.headers.get("retry-after"), "1");
    assert.ok(r.ms < 12_000, `answered after ${r.ms.toFixed(0)} ms`);
    console.log(`database down: 503 after ${r.ms.toFixed(0)} ms`);
  } finally {
    await xtaskService("start", "db");
    await waitHealthy();
  }
  // The client's retry (same event id) after the database is back: stored exactly once.
  const again = await post();
  assert.equal(again.status, 200, again.text);
  const check = ownerDb();
  try {
    const [{ n }] = await check`select count(*)::int as n from public.watch_events where event_id = ${event.event_id}::uuid`;
    assert.equal(n, 1);
  } finally {
    await check.end();
  }
});
