// End-to-end: app clients (supabase-js `functions.invoke` and plain fetch) post feedback and
// watch events through the gateway; the functions write as the user through PostgREST.
import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import { ownerDb, stack } from "./support/stack.ts";
import { createUser, createVideos, type TestUser } from "./support/fixtures.ts";

const ignore = !stack;
const S = stack!;

function clientFor(user: TestUser) {
  return createClient(S.API_URL, S.ANON_KEY, {
    global: { headers: { Authorization: `Bearer ${user.jwt}` } },
    auth: { persistSession: false, autoRefreshToken: false },
  });
}

async function post(slug: string, user: TestUser | null, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${S.FUNCTIONS_URL}/${slug}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(user ? { authorization: `Bearer ${user.jwt}` } : {}), ...headers },
    body,
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch { /* keep null */ }
  return { status: res.status, json, text };
}

const now = () => new Date().toISOString();
const feedback = (videoId: string, o: Record<string, unknown> = {}) => ({
  event_id: crypto.randomUUID(),
  video_id: videoId,
  feedback_type: "like",
  source_keyword: "kimchi",
  position_in_list: 0,
  occurred_at: now(),
  ...o,
});
const watch = (sessionId: string, videoId: string, o: Record<string, unknown> = {}) => ({
  event_id: crypto.randomUUID(),
  session_id: sessionId,
  video_id: videoId,
  event_type: "play",
  video_timestamp: 0,
  total_duration: 60,
  occurred_at: now(),
  ...o,
});

/** Row counts and a checksum of every table ingestion writes (for "writes nothing"). */
async function footprint(sql: ReturnType<typeof ownerDb>, userId: string) {
  const [row] = await sql`
    select (select count(*) from public.user_feedback where user_id = ${userId})::int as feedback,
           (select count(*) from public.watch_events where user_id = ${userId})::int as watch,
           (select count(*) from public.video_interactions where user_id = ${userId})::int as interactions,
           (select count(*) from public.user_session_details where user_id = ${userId})::int as sessions,
           (select count(*) from public.watch_event_receipts where user_id = ${userId})::int as receipts,
           (select md5(coalesce(string_agg(t::text, ',' order by t.id), '')) from public.video_interactions t where user_id = ${userId}) as vi_sum`;
  return row;
}

Deno.test({ name: "feedback via supabase-js functions.invoke lands exactly once under retries", ignore }, async () => {
  const sql = ownerDb();
  try {
    const user = await createUser(sql);
    const videos = await createVideos(sql, 3);
    const batch = { events: videos.map((v) => feedback(v)), sent_at: now() };
    const client = clientFor(user);
    const first = await client.functions.invoke("feedback-ingest", { body: batch });
    assert.equal(first.error, null, String(first.error));
    assert.deepEqual(first.data, { accepted: 3, duplicates: 0, rejected: [] });
    for (let i = 0; i < 2; i++) {
      const again = await client.functions.invoke("feedback-ingest", { body: batch });
      assert.deepEqual(again.data, { accepted: 0, duplicates: 3, rejected: [] });
    }
    const [{ n }] = await sql`select count(*)::int as n from public.user_feedback where user_id = ${user.id}`;
    assert.equal(n, 3);
    // The rows are the user's own, readable by them through the API.
    const own = await client.from("user_feedback").select("event_id, feedback_type").eq("user_id", user.id);
    assert.equal(own.data?.length, 3);
  } finally {
    await sql.end();
  }
});

Deno.test({ name: "feedback: a mixed batch is 207; good events land, bad ones are reported by index", ignore }, async () => {
  const sql = ownerDb();
  try {
    const user = await createUser(sql);
    const [video] = await createVideos(sql, 1);
    const events = [feedback(video), feedback(crypto.randomUUID()), feedback(video, { feedback_type: "lov" })];
    const r = await post("feedback-ingest", user, JSON.stringify({ events, sent_at: now() }));
    assert.equal(r.status, 207, r.text);
    assert.equal(r.json.accepted, 1);
    assert.deepEqual(r.json.rejected.map((x: any) => [x.index, x.code, x.field]), [
      [1, "invalid_value", "events[1].video_id"],
      [2, "invalid_value", "events[2].feedback_type"],
    ]);
  } finally {
    await sql.end();
  }
});

Deno.test({ name: "user A cannot write as user B", ignore }, async () => {
  const sql = ownerDb();
  try {
    const a = await createUser(sql);
    const b = await createUser(sql);
    const [video] = await createVideos(sql, 1);
    // A user_id in the payload is refused, never trusted.
    const r = await post("feedback-ingest", a, JSON.stringify({ ...feedback(video), user_id: b.id }));
    assert.equal(r.status, 400);
    assert.equal(r.json.rejected[0].code, "unknown_field");
    // Straight through the API with A's token and B's id: row-level security refuses it.
    const direct = await clientFor(a).from("user_feedback").insert({ user_id: b.id, video_id: video, feedback_type: "like" });
    assert.equal(direct.error?.code, "42501");
    const [{ n }] = await sql`select count(*)::int as n from public.user_feedback where user_id = ${b.id}`;
    assert.equal(n, 0);
  } finally {
    await sql.end();
  }
});

Deno.test({ name: "watch events: first play creates the interaction; later events complete it and the session totals", ignore }, async () => {
  const sql = ownerDb();
  try {
    const user = await createUser(sql);
    const [video] = await createVideos(sql, 1);
    const session = crypto.randomUUID();
    const events = [
      watch(session, video, { source_keyword: "kimchi" }),
      watch(session, video, { event_type: "seek", video_timestamp: 20, seek_from: 10, seek_to: 20 }),
      watch(session, video, { event_type: "pause", video_timestamp: 45 }),
    ];
    const r = await post("watch-ingest", user, JSON.stringify({ events, sent_at: now() }));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { accepted: 3, duplicates: 0, rejected: [] });
    const end = await post("watch-ingest", user, JSON.stringify(watch(session, video, { event_type: "end", video_timestamp: 60 })));
    assert.equal(end.status, 200, end.text);

    const interactions = await sql`select interaction_type, watch_duration, total_duration, completion_rate::float8 as rate
                                   from public.video_interactions where user_id = ${user.id}`;
    assert.deepEqual(interactions.map((x) => ({ ...x })), [{ interaction_type: "view", watch_duration: 60, total_duration: 60, rate: 1 }]);
    const [{ n }] = await sql`select count(*)::int as n from public.watch_events where user_id = ${user.id} and interaction_id is not null`;
    assert.equal(n, 4);
    const [s] = await sql`select total_videos_watched, total_watch_time from public.user_session_details where user_id = ${user.id} and session_id = ${session}`;
    assert.deepEqual({ ...s }, { total_videos_watched: 1, total_watch_time: 60 });
  } finally {
    await sql.end();
  }
});

Deno.test({ name: "trial users: the 51st video of the day is rejected with its code, the rest of the batch lands", ignore }, async () => {
  const sql = ownerDb();
  try {
    const user = await createUser(sql, { tier: "trial" });
    const videos = await createVideos(sql, 52);
    const session = crypto.randomUUID();
    const first = videos.slice(0, 50).map((v) => watch(session, v));
    const r1 = await post("watch-ingest", user, JSON.stringify({ events: first, sent_at: now() }));
    assert.deepEqual(r1.json, { accepted: 50, duplicates: 0, rejected: [] });
    // Two new videos (over the limit) and a pause on an existing one (allowed).
    const more = [watch(session, videos[50]), watch(session, videos[0], { event_type: "pause", video_timestamp: 5 }), watch(session, videos[51])];
    const r2 = await post("watch-ingest", user, JSON.stringify({ events: more, sent_at: now() }));
    assert.equal(r2.status, 207, r2.text);
    assert.equal(r2.json.accepted, 1);
    assert.deepEqual(r2.json.rejected.map((x: any) => [x.index, x.code]), [[0, "trial_limit_exceeded"], [2, "trial_limit_exceeded"]]);
    const [{ n }] = await sql`select count(*)::int as n from public.video_interactions where user_id = ${user.id}`;
    assert.equal(n, 50);
    // A rejected event left nothing: not even its idempotency receipt.
    const [{ receipts }] = await sql`select count(*)::int as receipts from public.watch_event_receipts where event_id = ${more[0].event_id}::uuid`;
    assert.equal(receipts, 0);
  } finally {
    await sql.end();
  }
});

Deno.test({ name: "bad input gets its code and writes nothing", ignore }, async () => {
  const sql = ownerDb();
  try {
    const user = await createUser(sql);
    const [video] = await createVideos(sql, 1);
    const before = await footprint(sql, user.id);
    const session = crypto.randomUUID();
    const cases: [string, string, string | Record<string, string>, number, string][] = [
      ["malformed JSON", "feedback-ingest", '{"events": [', 400, "malformed_json"],
      ["empty batch", "watch-ingest", JSON.stringify({ events: [], sent_at: now() }), 400, "empty_batch"],
      ["oversize body", "feedback-ingest", JSON.stringify({ events: [feedback(video, { comment: "x".repeat(600_000) })], sent_at: now() }), 413, "payload_too_large"],
      ["wrong content type", "watch-ingest", { body: "{}", "content-type": "text/plain" } as any, 415, "unsupported_media_type"],
    ];
    for (const [name, slug, body, status, code] of cases) {
      const r = typeof body === "string" ? await post(slug, user, body) : await post(slug, user, body.body, { "content-type": body["content-type"] });
      assert.equal(r.status, status, `${name}: ${r.text}`);
      assert.equal(r.json.error.code, code, name);
    }
    const perEvent: [string, string, Record<string, unknown>, string, string][] = [
      ["wrong type", "watch-ingest", watch(session, video, { video_timestamp: "12" }), "invalid_type", "video_timestamp"],
      ["unknown field", "watch-ingest", watch(session, video, { colour: "red" }), "unknown_field", "colour"],
      ["enum typo", "feedback-ingest", feedback(video, { feedback_type: "lkie" }), "invalid_value", "feedback_type"],
      ["huge string", "feedback-ingest", feedback(video, { comment: "가".repeat(5000) }), "invalid_value", "comment"],
      ["negative number", "watch-ingest", watch(session, video, { video_timestamp: -3 }), "invalid_value", "video_timestamp"],
      ["huge number", "watch-ingest", watch(session, video, { total_duration: 1e300 }), "invalid_value", "total_duration"],
      ["ancient timestamp", "feedback-ingest", feedback(video, { occurred_at: "2001-01-01T00:00:00Z" }), "invalid_value", "occurred_at"],
      ["bad uuid", "feedback-ingest", feedback(video, { event_id: "not-a-uuid" }), "invalid_value", "event_id"],
    ];
    for (const [name, slug, event, code, field] of perEvent) {
      const r = await post(slug, user, JSON.stringify({ events: [event], sent_at: now() }));
      assert.equal(r.status, 400, `${name}: ${r.text}`);
      assert.equal(r.json.rejected[0].code, code, `${name}: ${r.text}`);
      assert.equal(r.json.rejected[0].field, `events[0].${field}`, name);
    }
    // NaN is not JSON: the body is malformed.
    const nan = await post("watch-ingest", user, JSON.stringify(watch(session, video)).replace('"video_timestamp":0', '"video_timestamp":NaN'));
    assert.equal(nan.json.error.code, "malformed_json");
    // A future timestamp is clamped to the receive time (documented), not rejected.
    const future = watch(session, video, { occurred_at: new Date(Date.now() + 3 * 3600_000).toISOString() });
    const f = await post("watch-ingest", user, JSON.stringify(future));
    assert.equal(f.status, 200, f.text);
    const [{ ahead }] = await sql`select (event_timestamp > now() + interval '5 minutes') as ahead from public.watch_events where event_id = ${future.event_id}::uuid`;
    assert.equal(ahead, false);
    await sql`delete from public.watch_events where event_id = ${future.event_id}::uuid`;
    await sql`delete from public.watch_event_receipts where event_id = ${future.event_id}::uuid`;
    await sql`delete from public.video_interactions where user_id = ${user.id}`;
    await sql`delete from public.user_session_details where user_id = ${user.id}`;
    assert.deepEqual(await footprint(sql, user.id), before);
  } finally {
    await sql.end();
  }
});
