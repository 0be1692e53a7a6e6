// The wasm build of feedback-ingest under Deno, without a stack: envelope checks, per-event
// validation and the unreachable-API path (503 + Retry-After).
import assert from "node:assert/strict";
import { userJwt } from "../../tests/support/stack.ts";

Deno.env.set("SUPABASE_URL", "http://127.0.0.1:9");
Deno.env.set("SUPABASE_ANON_KEY", "anon-key");
const { default: server } = await import("./index.ts");

// The platform checked the signature before the function runs; the function reads the claims.
const SECRET = "only-a-placeholder-the-function-does-not-verify-it";
const AUTH = { authorization: `Bearer ${await userJwt(crypto.randomUUID(), {}, SECRET)}`, "content-type": "application/json" };

async function call(init: RequestInit) {
  const res = await server.fetch(new Request("http://local/functions/v1/feedback-ingest", init));
  return { status: res.status, json: await res.json().catch(() => null), headers: res.headers };
}

function event(overrides: Record<string, unknown> = {}) {
  return {
    event_id: crypto.randomUUID(),
    video_id: crypto.randomUUID(),
    feedback_type: "like",
    occurred_at: new Date().toISOString(),
    ...overrides,
  };
}

Deno.test("OPTIONS is a CORS preflight", async () => {
  const res = await server.fetch(new Request("http://local/x", { method: "OPTIONS" }));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  await res.body?.cancel();
});

Deno.test("wrong method and content type get 405 and 415", async () => {
  assert.equal((await call({ method: "GET", headers: AUTH })).status, 405);
  const r = await call({ method: "POST", body: "{}", headers: { ...AUTH, "content-type": "text/plain" } });
  assert.equal(r.status, 415);
  assert.equal(r.json.error.code, "unsupported_media_type");
});

Deno.test("malformed JSON is 400 malformed_json", async () => {
  const r = await call({ method: "POST", body: '{"events": [', headers: AUTH });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, "malformed_json");
});

Deno.test("an oversize body is 413 payload_too_large", async () => {
  const r = await call({ method: "POST", body: "x".repeat(600 * 1024), headers: AUTH });
  assert.equal(r.status, 413);
  assert.equal(r.json.error.code, "payload_too_large");
});

Deno.test("a batch whose every event is invalid is 400 with each rejection", async () => {
  const events = [event({ feedback_type: "lkie" }), event({ user_id: crypto.randomUUID() })];
  const r = await call({ method: "POST", body: JSON.stringify({ events, sent_at: new Date().toISOString() }), headers: AUTH });
  assert.equal(r.status, 400);
  assert.deepEqual(r.json.rejected.map((x: { code: string }) => x.code), ["invalid_value", "unknown_field"]);
  assert.equal(r.json.rejected[1].field, "events[1].user_id");
  assert.equal(r.json.accepted, 0);
});

Deno.test("a valid event with the API unreachable is 503 with Retry-After", async () => {
  const r = await call({ method: "POST", body: JSON.stringify(event()), headers: AUTH });
  assert.equal(r.status, 503);
  assert.equal(r.json.error.code, "upstream_unavailable");
  assert.equal(r.headers.get("retry-after"), "1");
});

Deno.test("the anon key, a service key and a wrong audience are 401 invalid_auth", async () => {
  const anon = await userJwt(crypto.randomUUID(), { role: "anon", aud: undefined }, SECRET);
  const service = await userJwt(crypto.randomUUID(), { role: "service_role" }, SECRET);
  const otherAudience = await userJwt(crypto.randomUUID(), { aud: "another-project" }, SECRET);
  for (const token of [anon, service, otherAudience, "not.a.jwt"]) {
    const r = await call({ method: "POST", body: JSON.stringify(event()), headers: { ...AUTH, authorization: `Bearer ${token}` } });
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, "invalid_auth");
  }
});

Deno.test("x-test-panic is ignored unless EDGE_TEST_PANICS=1 (never set in production)", async () => {
  assert.equal(Deno.env.get("EDGE_TEST_PANICS"), undefined);
  const r = await call({ method: "POST", body: '{"events": [', headers: { ...AUTH, "x-test-panic": "1" } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, "malformed_json");
});
