// The wasm build of trend-update under Deno, without a stack: request checks and signature
// verification happen before any I/O. The API URL points at a closed port to prove that an
// unreachable database becomes 503 + Retry-After, not 500.
import assert from "node:assert/strict";
import { signedHeaders } from "../../tests/support/webhook.ts";

const SECRET = "whsec_dGVzdC1zZWNyZXQtZm9yLXRyZW5kLXVwZGF0ZQ==";
Deno.env.set("TREND_WEBHOOK_SECRET", SECRET);
Deno.env.set("SUPABASE_URL", "http://127.0.0.1:9");
Deno.env.set("SUPABASE_SERVICE_ROLE_KEY", "service-key");
const { default: server } = await import("./index.ts");

const URL_ = "http://local/functions/v1/trend-update";
const body = JSON.stringify({ delivery_id: crypto.randomUUID(), outbox_ids: [1], sent_at: new Date().toISOString() });

async function call(init: RequestInit) {
  const res = await server.fetch(new Request(URL_, init));
  return { status: res.status, json: await res.json().catch(() => null), headers: res.headers };
}

Deno.test("GET is 405 method_not_allowed", async () => {
  const r = await call({ method: "GET" });
  assert.equal(r.status, 405);
  assert.equal(r.json.error.code, "method_not_allowed");
});

Deno.test("an unsigned delivery is 401 missing_signature", async () => {
  const r = await call({ method: "POST", body, headers: { "content-type": "application/json" } });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, "missing_signature");
});

Deno.test("a delivery signed with another secret is 401 invalid_signature", async () => {
  const headers = await signedHeaders("whsec_b3RoZXI=", body);
  const r = await call({ method: "POST", body, headers });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, "invalid_signature");
});

Deno.test("a tampered body is 401 invalid_signature", async () => {
  const headers = await signedHeaders(SECRET, body);
  const r = await call({ method: "POST", body: body.replace("outbox_ids", "outbox_idz"), headers });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, "invalid_signature");
});

Deno.test("a signed but malformed notice is 422 naming the problem", async () => {
  const bad = JSON.stringify({ delivery_id: "d", outbox_ids: ["x"], sent_at: "now" });
  const r = await call({ method: "POST", body: bad, headers: await signedHeaders(SECRET, bad) });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.code, "invalid_type");
});

Deno.test("a delivery older than 5 minutes is 401 stale_timestamp", async () => {
  const headers = await signedHeaders(SECRET, body, { timestamp: Math.floor(Date.now() / 1000) - 301 });
  const r = await call({ method: "POST", body, headers });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, "stale_timestamp");
});

Deno.test("a valid delivery with the API unreachable is 503 with Retry-After", async () => {
  const payload = JSON.stringify({ delivery_id: crypto.randomUUID(), outbox_ids: [1], sent_at: new Date().toISOString() });
  const headers = await signedHeaders(SECRET, payload);
  const r = await call({ method: "POST", body: payload, headers });
  assert.equal(r.status, 503, JSON.stringify(r.json));
  assert.equal(r.json.error.code, "upstream_unavailable");
  assert.equal(r.headers.get("retry-after"), "1");
});
