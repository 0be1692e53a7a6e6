// End-to-end: a change of trending_keywords reaches trend-update through the statement-level
// trigger, Vault-signed net.http_post, the pg_net worker and the gateway; the function reads
// through PostgREST and writes predictions and ranks back. Runs on the `cargo xtask test` stack.
import assert from "node:assert/strict";
import { eventually, ownerDb, stack, webhookSecret } from "./support/stack.ts";
import { signedHeaders } from "./support/webhook.ts";
import { createVideos } from "./support/fixtures.ts";

const ignore = !stack;
const S = stack!;

type Sql = ReturnType<typeof ownerDb>;

/** A keyword with three videos mapped to it and 20 days of score history. */
async function seedKeyword(sql: Sql, keyword: string) {
  const videos = await createVideos(sql, 3, keyword);
  for (const [i, id] of videos.entries()) {
    await sql`insert into public.keyword_video_mappings (keyword, video_id, relevance_score, rank_position, source)
              values (${keyword}, ${id}, ${0.5 + i * 0.2}, ${i + 1}, 'e2e')`;
    await sql`insert into public.video_quality_scores (video_id, content_quality, engagement_rate, retention_rate, trend_alignment, freshness_score)
              values (${id}, ${0.9 - i * 0.3}, 5, 50, 0.5, 0.5)`;
  }
  await sql`insert into private.trend_score_history (keyword, score, observed_at)
            select ${keyword}, 40 + d, now() - (20 - d || ' days')::interval from generate_series(0, 19) d`;
  return videos;
}

async function outboxFor(sql: Sql, keyword: string) {
  return await sql`select id, acknowledged_at, attempts, last_error from private.trend_outbox where keyword = ${keyword} order by id`;
}

Deno.test({ name: "trend-update: a score change leads to predictions and re-ranked mappings", ignore }, async () => {
  const sql = ownerDb();
  const keyword = `e2e-trend-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await seedKeyword(sql, keyword);
    await sql`insert into public.trending_keywords (keyword, trend_score, source, valid_until)
              values (${keyword}, 55, 'youtube', now() + interval '1 day')`;
    await sql`update public.trending_keywords set trend_score = 90 where keyword = ${keyword}`;

    const acked = await eventually(async () => {
      const rows = await outboxFor(sql, keyword);
      return rows.length === 2 && rows.every((r) => r.acknowledged_at) ? rows : undefined;
    }, 15_000);
    assert.equal(acked.length, 2);

    const predictions = await sql`
      select predicted_for_date - prediction_date as horizon, confidence_level::float8 as level, predicted_score::float8 as point,
             lower(confidence_interval)::float8 as lo, upper(confidence_interval)::float8 as hi, model_version
      from public.trend_predictions where keyword = ${keyword} order by 1, 2`;
    assert.equal(predictions.length, 14, "7 horizons x 2 levels");
    for (const p of predictions) {
      assert.ok(p.lo <= p.point && p.point <= p.hi, `interval contains the point: ${JSON.stringify(p)}`);
    }
    const h1 = predictions.filter((p) => p.horizon === 1);
    assert.ok(h1[1].hi - h1[1].lo >= h1[0].hi - h1[0].lo, "the 95 % interval is at least as wide as the 80 %");

    const ranks = await sql`select rank_position from public.keyword_video_mappings where keyword = ${keyword} order by rank_position`;
    assert.deepEqual(ranks.map((r) => r.rank_position), [1, 2, 3]);
  } finally {
    await sql.end();
  }
});

Deno.test({ name: "trend-update: a no-op UPDATE sends nothing", ignore }, async () => {
  const sql = ownerDb();
  const keyword = `e2e-noop-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await sql`insert into public.trending_keywords (keyword, trend_score, source) values (${keyword}, 10, 'youtube')`;
    const before = (await outboxFor(sql, keyword)).length;
    const [{ q: queuedBefore }] = await sql`select coalesce(max(id), 0)::bigint as q from net.http_request_queue`;
    await sql`update public.trending_keywords set trend_score = trend_score, source = source where keyword = ${keyword}`;
    assert.equal((await outboxFor(sql, keyword)).length, before);
    const [{ n }] = await sql`select count(*)::int as n from net.http_request_queue where id > ${queuedBefore}`;
    assert.equal(n, 0);
  } finally {
    await sql.end();
  }
});

Deno.test({ name: "trend-update: 10,000 keywords in one statement queue 50 requests, not 10,000", ignore }, async () => {
  const sql = ownerDb();
  const prefix = `e2e-bulk-${crypto.randomUUID().slice(0, 6)}`;
  try {
    const started = performance.now();
    await sql`insert into public.trending_keywords (keyword, trend_score, source)
              select ${prefix} || '-' || i, (i % 100), 'bulk' from generate_series(1, 10000) i`;
    const writerMs = performance.now() - started;
    const [{ deliveries }] = await sql`select count(distinct delivery_id)::int as deliveries from private.trend_outbox where keyword like ${prefix + "-%"}`;
    assert.equal(deliveries, 50);
    console.log(`10,000-row insert incl. trigger: ${writerMs.toFixed(0)} ms`);
    await eventually(async () => {
      const [{ open }] = await sql`select count(*)::int as open from private.trend_outbox where keyword like ${prefix + "-%"} and acknowledged_at is null`;
      return open === 0;
    }, 60_000);
    console.log(`all 10,000 changes acknowledged ${(performance.now() - started).toFixed(0)} ms after the statement began`);
  } finally {
    await sql.end();
  }
});

Deno.test({ name: "trend-update: replayed, forged and stale deliveries are refused and change nothing", ignore }, async () => {
  const sql = ownerDb();
  const keyword = `e2e-replay-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await sql`insert into public.trending_keywords (keyword, trend_score, source) values (${keyword}, 30, 'youtube')`;
    const [{ id }] = await sql`select max(id)::bigint as id from private.trend_outbox where keyword = ${keyword}`;
    await eventually(async () => (await outboxFor(sql, keyword)).every((r) => r.acknowledged_at));
    const url = `${S.FUNCTIONS_URL}/trend-update`;
    const body = JSON.stringify({ delivery_id: crypto.randomUUID(), outbox_ids: [Number(id)], sent_at: new Date().toISOString() });
    const headers = await signedHeaders(webhookSecret, body);
    const first = await fetch(url, { method: "POST", headers, body });
    assert.equal(first.status, 200, await first.clone().text());
    await first.body?.cancel();
    const snapshot = async () => (await sql`select md5(string_agg(t::text, ',' order by t::text)) as h from public.trend_predictions t where keyword = ${keyword}`)[0].h;
    const before = await snapshot();

    const replay = await fetch(url, { method: "POST", headers, body });
    assert.equal(replay.status, 409);
    assert.equal((await replay.json()).error.code, "replayed_delivery");

    const forged = await fetch(url, { method: "POST", headers: await signedHeaders("whsec_Zm9yZ2Vk", body), body });
    assert.equal(forged.status, 401);
    assert.equal((await forged.json()).error.code, "invalid_signature");

    const stale = await fetch(url, {
      method: "POST",
      headers: await signedHeaders(webhookSecret, body, { timestamp: Math.floor(Date.now() / 1000) - 600 }),
      body,
    });
    assert.equal(stale.status, 401);
    assert.equal((await stale.json()).error.code, "stale_timestamp");
    assert.equal(await snapshot(), before);
  } finally {
    await sql.end();
  }
});

async function xtaskService(action: "stop" | "start", name: string) {
  const out = await new Deno.Command("cargo", {
    args: ["xtask", "service", action, name],
    env: { STACK_NAME: Deno.env.get("STACK_NAME") ?? "test" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`xtask service ${action} ${name}: ${new TextDecoder().decode(out.stderr)}`);
}

Deno.test({ name: "trend-update: with the delivery worker stopped and the queue lost, reconciliation fills the gap", ignore }, async () => {
  const sql = ownerDb();
  const keyword = `e2e-lost-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await xtaskService("stop", "pg-net-worker");
    await sql`insert into public.trending_keywords (keyword, trend_score, source) values (${keyword}, 70, 'youtube')`;
    // pg_net's queue is unlogged and emptied before sending: a crash loses what is queued.
    await sql`delete from net.http_request_queue`;
    await xtaskService("start", "pg-net-worker");
    await new Promise((r) => setTimeout(r, 500));
    assert.ok((await outboxFor(sql, keyword)).every((r) => !r.acknowledged_at), "nothing was delivered");

    // What the every-minute cron job runs (called directly so the test need not wait a minute).
    await sql`select private.resend_unacknowledged_trend_changes(interval '0 seconds')`;
    await eventually(async () => (await outboxFor(sql, keyword)).every((r) => r.acknowledged_at), 15_000);
    const [{ jobs }] = await sql`select count(*)::int as jobs from cron.job where jobname = 'trend-outbox-reconcile' and schedule = '* * * * *'`;
    assert.equal(jobs, 1);
  } finally {
    await xtaskService("start", "pg-net-worker").catch(() => {});
    await sql.end();
  }
});
