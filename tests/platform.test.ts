// End-to-end: the local platform surface behaves as Supabase documents it.
// Runs against the isolated stack `cargo xtask test` starts.
import assert from "node:assert/strict";
import { eventually, ownerDb, stack, userJwt } from "./support/stack.ts";

const ignore = !stack;
const S = stack!;

Deno.test({ name: "gateway: verify_jwt functions reject missing, forged, expired and alg=none JWTs", ignore }, async () => {
  const url = `${S.FUNCTIONS_URL}/feedback-ingest`;
  const post = (headers: Record<string, string>) =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" });
  const expect401 = async (headers: Record<string, string>, why: string) => {
    const res = await post(headers);
    assert.equal(res.status, 401, why);
    await res.body?.cancel();
  };
  await expect401({}, "missing");
  await expect401({ authorization: "Bearer not-a-jwt" }, "malformed");
  await expect401({ authorization: `Bearer ${await userJwt(crypto.randomUUID(), {}, "some-other-secret-of-32-characters!!")}` }, "forged");
  await expect401({ authorization: `Bearer ${await userJwt(crypto.randomUUID(), { exp: 1000 })}` }, "expired");
  const none = `${btoa('{"alg":"none","typ":"JWT"}').replace(/=+$/, "")}.${btoa(JSON.stringify({ sub: crypto.randomUUID(), role: "authenticated" })).replace(/=+$/, "")}.`;
  await expect401({ authorization: `Bearer ${none}` }, "alg none");
  // A valid JWT reaches the function, which answers with its own validation error.
  const ok = await post({ authorization: `Bearer ${await userJwt(crypto.randomUUID())}` });
  assert.notEqual(ok.status, 401);
  await ok.body?.cancel();
});

Deno.test({ name: "gateway: verify_jwt=false lets trend-update authenticate by signature itself", ignore }, async () => {
  const res = await fetch(`${S.FUNCTIONS_URL}/trend-update`, { method: "POST", body: "{}" });
  assert.equal(res.status, 401);
  assert.equal((await res.json()).error.code, "missing_signature");
});

Deno.test({ name: "gateway: /rest/v1 reaches the API with the anon key", ignore }, async () => {
  const res = await fetch(`${S.API_URL}/rest/v1/`, { headers: { apikey: S.ANON_KEY } });
  assert.equal(res.status, 200);
  await res.body?.cancel();
});

Deno.test({ name: "pg_net: requests are sent after COMMIT only, one response row each", ignore }, async () => {
  const sql = ownerDb();
  try {
    const target = `${S.API_URL}/health`;
    let rolledBack = 0;
    await sql.begin(async (tx) => {
      [{ id: rolledBack }] = await tx`select net.http_get(${target}, timeout_milliseconds => 2000) as id`;
      throw new Error("rollback");
    }).catch((e) => assert.equal(e.message, "rollback"));
    const [{ id }] = await sql`select net.http_get(${target}, params => '{"q":"a b"}'::jsonb, timeout_milliseconds => 2000) as id`;
    const row = await eventually(async () => (await sql`select status_code, content, error_msg from net._http_response where id = ${id}`)[0]);
    assert.equal(row.status_code, 200);
    assert.match(row.content, /"ok":true/);
    // The rolled-back request never left: no response, and nothing still queued.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await sql`select count(*)::int as n from net._http_response where id = ${rolledBack}`)[0].n, 0);
    assert.equal((await sql`select count(*)::int as n from net.http_request_queue where id = ${rolledBack}`)[0].n, 0);
  } finally {
    await sql.end();
  }
});

Deno.test({ name: "pg_net: an unreachable host and a timeout are reported in error_msg", ignore }, async () => {
  const sql = ownerDb();
  try {
    const [{ id }] = await sql`select net.http_post('http://127.0.0.1:9/nothing', '{"a":1}'::jsonb, timeout_milliseconds => 500) as id`;
    const row = await eventually(async () => (await sql`select status_code, error_msg from net._http_response where id = ${id}`)[0]);
    assert.equal(row.status_code, null);
    assert.ok(row.error_msg.length > 0);
    await assert.rejects(
      sql`select net.http_post('http://x', '{}'::jsonb, headers => '{"Content-Type":"text/plain"}'::jsonb)`,
      /Content-Type header must be "application\/json"/,
    );
  } finally {
    await sql.end();
  }
});

Deno.test({ name: "vault: API roles cannot read secrets; postgres can", ignore }, async () => {
  const sql = ownerDb();
  try {
    const [{ n }] = await sql`select count(*)::int as n from vault.decrypted_secrets where name = 'trend_webhook_secret'`;
    assert.equal(n, 1);
    for (const role of ["anon", "authenticated", "service_role"]) {
      await assert.rejects(
        sql.begin(async (tx) => {
          await tx.unsafe(`set local role ${role}`);
          await tx`select decrypted_secret from vault.decrypted_secrets`;
        }),
        /permission denied/,
        role,
      );
    }
  } finally {
    await sql.end();
  }
});

Deno.test({ name: "auth: auth.uid() and auth.jwt() read request.jwt.claims as PostgREST sets them", ignore }, async () => {
  const sql = ownerDb();
  try {
    const sub = crypto.randomUUID();
    const [row] = await sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub, role: "authenticated", app_metadata: { role: "admin" } })}, true)`;
      return await tx`select auth.uid()::text as uid, auth.role() as role, auth.jwt() -> 'app_metadata' ->> 'role' as admin`;
    });
    assert.deepEqual({ ...row }, { uid: sub, role: "authenticated", admin: "admin" });
  } finally {
    await sql.end();
  }
});
