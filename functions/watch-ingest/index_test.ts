// The wasm build of watch-ingest under Deno, without a stack.
import assert from "node:assert/strict";
import { userJwt } from "../../tests/support/stack.ts";

Deno.env.set("SUPABASE_URL", "http://127.0.0.1:9");
Deno.env.set("SUPABASE_ANON_KEY", "anon-key");
const { default: server } = await import("./index.ts");

// The platform checked the signature before the function runs; the function reads the claims.
const AUTH = {
  authorization: `Bearer ${await userJwt(crypto.randomUUID(), {}, "only-a-placeholder-the-function-does-not-verify-it")}`,
  "content-type": "application/json",
};

async function call(body: unknown) {
  const res = await server.fetch(
    new Request("http://local/functions/v1/watch-ingest", { method: "POST", body: JSON.stringify(body), headers: AUTH }),
  );
  return { status: res.status, json: await res.json() };
}

const base = () => ({
  event_id: crypto.randomUUID(),
  session_id: crypto.randomUUID(),
  video_id: crypto.randomUUID(),
  event_type: "play",
  video_timestamp: 0,
  occurred_at: new Date().toISOString(),
});

Deno.test("an empty batch is 400 empty_batch", async () => {
  const r = await call({ events: [], sent_at: new Date().toISOString() });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, "empty_batch");
});

Deno.test("a seek without positions and a negative timestamp are rejected per event", async () => {
  const r = await call({
    events: [{ ...base(), event_type: "seek" }, { ...base(), video_timestamp: -1 }],
    sent_at: new Date().toISOString(),
  });
  assert.equal(r.status, 400);
  assert.deepEqual(r.json.rejected.map((x: { field: string }) => x.field), ["events[0].seek_from", "events[1].video_timestamp"]);
});

Deno.test("missing Authorization is 401 missing_auth (the gateway normally stops it first)", async () => {
  const res = await server.fetch(
    new Request("http://local/x", { method: "POST", body: JSON.stringify(base()), headers: { "content-type": "application/json" } }),
  );
  assert.equal(res.status, 401);
  assert.equal((await res.json()).error.code, "missing_auth");
});
