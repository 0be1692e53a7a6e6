// A panic inside the wasm (test-only trigger: EDGE_TEST_PANICS=1 on the test stack + header
// `x-test-panic`) is caught by the shared glue, logged with the request id, answered 500
// `internal_error`, and does not take the function down: the same process serves the next
// request correctly, with its configuration restored.
import assert from "node:assert/strict";
import { ownerDb, stack, webhookSecret } from "./support/stack.ts";
import { createUser, createVideos } from "./support/fixtures.ts";
import { callFunction, servicePid, serviceLog } from "./support/http.ts";
import { signedHeaders } from "./support/webhook.ts";

const ignore = !stack || Deno.env.get("STACK_NAME") !== "test";

function alive(pid: number): boolean {
  try {
    return !Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].startsWith("Z");
  } catch {
    return false;
  }
}

async function expectCaughtPanic(slug: string, headers: Record<string, string>, body: string, trigger: string) {
  const pid = servicePid(`fn-${slug}`);
  const r = await callFunction(slug, { headers: { ...headers, "x-test-panic": trigger }, body });
  assert.equal(r.status, 500, r.text);
  assert.equal(r.json.error.code, "internal_error");
  const requestId = r.json.error.message.match(/request ([0-9a-f-]{36})/)?.[1];
  assert.ok(requestId, r.text);
  // Logged: the request id next to the panic message (the log is written asynchronously).
  let log = "";
  for (let i = 0; i < 40 && !log.includes(requestId); i++) {
    await new Promise((res) => setTimeout(res, 50));
    log = await Deno.readTextFile(serviceLog(`fn-${slug}`));
  }
  const line = log.split("\n").find((l) => l.includes(requestId)) ?? "";
  assert.match(line, /wasm panic; re-instantiating/, `log line for ${requestId}: ${line}`);
  const after = log.slice(log.indexOf(line));
  assert.match(after, /test-only panic/, "the panic message follows the request id");
  assert.equal(servicePid(`fn-${slug}`), pid, "same process");
  assert.ok(alive(pid), "the function process is still running");
}

for (const slug of ["feedback-ingest", "watch-ingest"]) {
  Deno.test({ name: `${slug}: a panic is 500 internal_error, logged, and the next request is served`, ignore }, async () => {
    const sql = ownerDb();
    try {
      const user = await createUser(sql);
      // A fresh video per event: feedback is unique per (user, video, feedback_type).
      const videos = await createVideos(sql, 4, "panic");
      const event = () =>
        slug === "feedback-ingest"
          ? { event_id: crypto.randomUUID(), video_id: videos.pop(), feedback_type: "like", occurred_at: new Date().toISOString() }
          : {
            event_id: crypto.randomUUID(), session_id: crypto.randomUUID(), video_id: videos.pop(), event_type: "play",
            video_timestamp: 0, occurred_at: new Date().toISOString(),
          };
      const headers = { "content-type": "application/json", authorization: `Bearer ${user.jwt}` };
      const table = slug === "feedback-ingest" ? "user_feedback" : "watch_events";
      for (const trigger of ["1", "after-await"]) {
        const doomed = event();
        await expectCaughtPanic(slug, headers, JSON.stringify(doomed), trigger);
        const [{ n }] = await sql.unsafe(`select count(*)::int as n from public.${table} where event_id = $1`, [doomed.event_id]);
        assert.equal(n, 0, "the panicking request wrote nothing");
        // The next request: a clean instance with its environment (API URL, keys) restored.
        const next = event();
        const ok = await callFunction(slug, { headers, body: JSON.stringify(next) });
        assert.equal(ok.status, 200, ok.text);
        assert.deepEqual(ok.json, { accepted: 1, duplicates: 0, rejected: [] });
        const [{ m }] = await sql.unsafe(`select count(*)::int as m from public.${table} where event_id = $1`, [next.event_id]);
        assert.equal(m, 1);
      }
    } finally {
      await sql.end();
    }
  });
}

Deno.test({ name: "trend-update: a panic is 500 internal_error, logged, and the next delivery is processed", ignore }, async () => {
  const sql = ownerDb();
  const keyword = `e2e-panic-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await sql`insert into public.trending_keywords (keyword, trend_score, source) values (${keyword}, 40, 'youtube')`;
    const [{ id }] = await sql`select max(id)::bigint as id from private.trend_outbox where keyword = ${keyword}`;
    const body = JSON.stringify({ delivery_id: crypto.randomUUID(), outbox_ids: [Number(id)], sent_at: new Date().toISOString() });
    await expectCaughtPanic("trend-update", await signedHeaders(webhookSecret, body), body, "1");
    // The next delivery (a new webhook-id) is verified, read, planned and applied.
    const next = await callFunction("trend-update", { headers: await signedHeaders(webhookSecret, body), body });
    assert.equal(next.status, 200, next.text);
    assert.equal(next.json.keywords_processed >= 0, true, next.text);
  } finally {
    await sql.end();
  }
});
