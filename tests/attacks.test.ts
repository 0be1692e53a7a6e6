// Attacks, each rejected and each leaving the database as it was. What other files already
// assert is not repeated here (RELIABILITY.md §6 lists where every attack is asserted).
import assert from "node:assert/strict";
import { ownerDb, stack, userJwt, webhookSecret } from "./support/stack.ts";
import { createUser, createVideos, type TestUser } from "./support/fixtures.ts";
import { callFunction, codeOf } from "./support/http.ts";
import { signedHeaders } from "./support/webhook.ts";

const ignore = !stack;
const S = stack!;
type Sql = ReturnType<typeof ownerDb>;

const b64url = (s: string) => btoa(s).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
const now = () => new Date().toISOString();
const INGEST = ["feedback-ingest", "watch-ingest"] as const;

function eventFor(slug: string, video: string) {
  return slug === "feedback-ingest"
    ? { event_id: crypto.randomUUID(), video_id: video, feedback_type: "like", occurred_at: now() }
    : { event_id: crypto.randomUUID(), session_id: crypto.randomUUID(), video_id: video, event_type: "play", video_timestamp: 0, occurred_at: now() };
}

async function rowsFor(sql: Sql, eventIds: string[]) {
  const [{ n }] = await sql`
    select (select count(*) from public.user_feedback where event_id = any (${eventIds}::uuid[]))::int
         + (select count(*) from public.watch_events where event_id = any (${eventIds}::uuid[]))::int
         + (select count(*) from public.watch_event_receipts where event_id = any (${eventIds}::uuid[]))::int as n`;
  return n;
}

/** PostgREST through the gateway, as a browser with the anon key would call it. */
async function rest(path: string, token: string | null, init: RequestInit & { headers?: Record<string, string> } = {}) {
  const res = await fetch(`${S.API_URL}/rest/v1/${path}`, {
    ...init,
    headers: { apikey: S.ANON_KEY, ...(token ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json", ...init.headers },
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

Deno.test({ name: "attacks: tokens that are not a signed-in user's are refused by both ingestion functions; nothing is written", ignore }, async () => {
  const sql = ownerDb();
  try {
    const [video] = await createVideos(sql, 1, "attack");
    const someone = crypto.randomUUID(); // no such user
    const hs512Header = b64url(JSON.stringify({ alg: "HS512", typ: "JWT" }));
    const valid = await userJwt(someone);
    const [, payload, signature] = valid.split(".");
    const noneToken = `${b64url('{"alg":"none","typ":"JWT"}')}.${payload}.`;
    // Refused by the platform's verify_jwt (the gateway) before the function runs.
    const atGateway: [string, string | null][] = [
      ["no Authorization header", null],
      ["not a JWT", "Bearer abc.def"],
      ["forged: signed with another secret", `Bearer ${await userJwt(someone, {}, "not-the-project-secret-but-32-chars-long")}`],
      ["expired", `Bearer ${await userJwt(someone, { exp: Math.floor(Date.now() / 1000) - 10 })}`],
      ["alg none", `Bearer ${noneToken}`],
      ["alg none with the real signature kept", `Bearer ${noneToken}${signature}`],
      ["header says HS512", `Bearer ${hs512Header}.${payload}.${signature}`],
      ["payload altered after signing (role)", `Bearer ${valid.split(".")[0]}.${b64url(JSON.stringify({ sub: someone, role: "service_role", aud: "authenticated", exp: 9999999999 }))}.${signature}`],
      ["Basic scheme", `Basic ${btoa("user:pass")}`],
    ];
    // Validly signed (so the gateway lets them through), but not a signed-in user's token.
    const atFunction: [string, string][] = [
      ["the anon key used as a user", S.ANON_KEY],
      ["the service_role key used as a user", S.SERVICE_ROLE_KEY],
      ["wrong audience", await userJwt(someone, { aud: "another-project" })],
      ["no audience", await userJwt(someone, { aud: undefined })],
      ["role supabase_admin", await userJwt(someone, { role: "supabase_admin" })],
      ["subject is not a user id", await userJwt("admin")],
      ["no expiry", await userJwt(someone, { exp: undefined })],
      ["a user that does not exist (deleted account)", valid],
    ];
    const sent: string[] = [];
    for (const slug of INGEST) {
      for (const [why, authorization] of atGateway) {
        const event = eventFor(slug, video);
        sent.push(event.event_id);
        const r = await callFunction(slug, { headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) }, body: JSON.stringify(event) });
        assert.equal(r.status, 401, `${slug} ${why}: ${r.text}`);
        assert.match(r.json?.code ?? "", /^UNAUTHORIZED_/, `${slug} ${why}: ${r.text}`);
      }
      for (const [why, token] of atFunction) {
        const event = eventFor(slug, video);
        sent.push(event.event_id);
        const r = await callFunction(slug, { headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(event) });
        assert.equal(r.status, 401, `${slug} ${why}: ${r.text}`);
        assert.equal(codeOf(r), "invalid_auth", `${slug} ${why}: ${r.text}`);
      }
    }
    assert.equal(await rowsFor(sql, sent), 0, "nothing was written");
  } finally {
    await sql.end();
  }
});

Deno.test({ name: "attacks: trend-update ignores JWTs — a user's or the service key without a valid signature is 401", ignore }, async () => {
  const sql = ownerDb();
  try {
    const user = await createUser(sql);
    const body = JSON.stringify({ delivery_id: crypto.randomUUID(), outbox_ids: [1], sent_at: now() });
    const [{ before }] = await sql`select count(*)::int as before from private.trend_webhook_receipts`;
    const tries: [string, Record<string, string>, string][] = [
      ["a user's JWT", { authorization: `Bearer ${user.jwt}` }, "missing_signature"],
      ["the service_role key", { authorization: `Bearer ${S.SERVICE_ROLE_KEY}`, apikey: S.SERVICE_ROLE_KEY }, "missing_signature"],
      ["a user's JWT + headers signed with the JWT secret", { authorization: `Bearer ${user.jwt}`, ...(await signedHeaders(S.JWT_SECRET, body)) }, "invalid_signature"],
      ["a user's JWT as the signature", { "webhook-id": "x", "webhook-timestamp": String(Math.floor(Date.now() / 1000)), "webhook-signature": `v1,${user.jwt}` }, "invalid_signature"],
    ];
    for (const [why, headers, code] of tries) {
      const r = await callFunction("trend-update", { headers: { "content-type": "application/json", ...headers }, body });
      assert.equal(r.status, 401, `${why}: ${r.text}`);
      assert.equal(codeOf(r), code, why);
    }
    const [{ after }] = await sql`select count(*)::int as after from private.trend_webhook_receipts`;
    assert.equal(after, before);
  } finally {
    await sql.end();
  }
});

Deno.test({ name: "attacks: a captured delivery replayed concurrently is processed once; a re-stamped one is refused", ignore }, async () => {
  const sql = ownerDb();
  const keyword = `e2e-race-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await sql`insert into public.trending_keywords (keyword, trend_score, source) values (${keyword}, 20, 'youtube')`;
    const [{ id }] = await sql`select max(id)::bigint as id from private.trend_outbox where keyword = ${keyword}`;
    const body = JSON.stringify({ delivery_id: crypto.randomUUID(), outbox_ids: [Number(id)], sent_at: now() });
    const headers = await signedHeaders(webhookSecret, body);
    // Five copies at once: the receipt (primary key on webhook-id) lets exactly one through.
    const answers = await Promise.all(Array.from({ length: 5 }, () => callFunction("trend-update", { headers, body })));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409, 409], answers.map((a) => a.text).join("\n"));
    assert.ok(answers.filter((a) => a.status === 409).every((a) => codeOf(a) === "replayed_delivery"));
    const [{ receipts }] = await sql`select count(*)::int as receipts from private.trend_webhook_receipts where webhook_id = ${headers["webhook-id"]}`;
    assert.equal(receipts, 1);
    // The same capture with a fresh timestamp: the timestamp is signed, so the signature breaks.
    const restamped = { ...headers, "webhook-timestamp": String(Number(headers["webhook-timestamp"]) + 1) };
    const r = await callFunction("trend-update", { headers: restamped, body });
    assert.equal(r.status, 401);
    assert.equal(codeOf(r), "invalid_signature");
    // And with a new webhook-id, to dodge the replay check: also unsigned for that id.
    const renamed = await callFunction("trend-update", { headers: { ...headers, "webhook-id": crypto.randomUUID() }, body });
    assert.equal(codeOf(renamed), "invalid_signature");
  } finally {
    await sql.end();
  }
});

Deno.test({ name: "attacks: a user cannot write, change or delete another user's events", ignore }, async () => {
  const sql = ownerDb();
  try {
    const a = await createUser(sql);
    const b = await createUser(sql);
    const videos = await createVideos(sql, 3, "cross-user");
    // B's own feedback and watch event.
    const bFeedback = { ...eventFor("feedback-ingest", videos[0]), comment: "mine" };
    const bWatch = eventFor("watch-ingest", videos[0]);
    for (const [slug, ev] of [["feedback-ingest", bFeedback], ["watch-ingest", bWatch]] as const) {
      const r = await callFunction(slug, { headers: { "content-type": "application/json", authorization: `Bearer ${b.jwt}` }, body: JSON.stringify(ev) });
      assert.equal(r.status, 200, r.text);
    }
    const snapshot = async () =>
      (await sql`select md5(string_agg(t::text, ',' order by t::text)) as h from (
                   select f::text as t from public.user_feedback f where user_id = ${b.id}
                   union all select w::text from public.watch_events w where user_id = ${b.id}
                   union all select r::text from public.watch_event_receipts r where user_id = ${b.id}) s`)[0].h;
    const before = await snapshot();

    // 1. The RPC called directly with B's user_id in the events: the database uses auth.uid().
    const smuggled = [{ ...eventFor("feedback-ingest", videos[1]), user_id: b.id, reason: null, comment: null, source_keyword: null,
      position_in_list: null, session_id: null, client_occurred_at: now(), clamped: false }];
    const rpc = await rest("rpc/ingest_feedback_events", a.jwt, { method: "POST", body: JSON.stringify({ events: smuggled }) });
    assert.equal(rpc.status, 200, rpc.text);
    const [owner] = await sql`select user_id from public.user_feedback where event_id = ${smuggled[0].event_id}::uuid`;
    assert.equal(owner.user_id, a.id, "stored as the caller, not as the user_id it named");

    // 2. Event-id squatting: A reuses B's event ids. They are A's own events; B's stay B's.
    for (const [slug, ev] of [["feedback-ingest", { ...bFeedback, video_id: videos[2], comment: "squatted" }], ["watch-ingest", bWatch]] as const) {
      const r = await callFunction(slug, { headers: { "content-type": "application/json", authorization: `Bearer ${a.jwt}` }, body: JSON.stringify(ev) });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.accepted, 1, `${slug}: A's copy is A's own event, not a duplicate of B's: ${r.text}`);
    }

    // 3. Straight through the API: read, change, delete B's rows, or insert rows for B.
    for (const table of ["user_feedback", "watch_events", "watch_event_receipts"]) {
      const read = await rest(`${table}?user_id=eq.${b.id}&select=*`, a.jwt);
      assert.deepEqual([read.status, read.json], [200, []], `${table} read: ${read.text}`);
      const del = await rest(`${table}?user_id=eq.${b.id}`, a.jwt, { method: "DELETE", headers: { prefer: "return=representation" } });
      assert.ok(del.status >= 400 || (Array.isArray(del.json) && del.json.length === 0), `${table} delete: ${del.status} ${del.text}`);
    }
    const patch = await rest(`user_feedback?user_id=eq.${b.id}`, a.jwt, { method: "PATCH", body: JSON.stringify({ comment: "defaced" }), headers: { prefer: "return=representation" } });
    assert.ok(patch.status >= 400 || (Array.isArray(patch.json) && patch.json.length === 0), `patch: ${patch.status} ${patch.text}`);
    const steal = await rest(`user_feedback?user_id=eq.${b.id}`, a.jwt, { method: "PATCH", body: JSON.stringify({ user_id: a.id }), headers: { prefer: "return=representation" } });
    assert.ok(steal.status >= 400 || (Array.isArray(steal.json) && steal.json.length === 0), `steal: ${steal.status} ${steal.text}`);
    const insert = await rest("watch_event_receipts", a.jwt, { method: "POST", body: JSON.stringify({ user_id: b.id, event_id: crypto.randomUUID(), watch_event_id: crypto.randomUUID(), event_timestamp: now() }) });
    assert.ok(insert.status === 401 || insert.status === 403, `insert for B: ${insert.status} ${insert.text}`);
    assert.equal(insert.json?.code, "42501");
    assert.equal(await snapshot(), before, "B's rows are exactly as they were");
  } finally {
    await sql.end();
  }
});

Deno.test({ name: "attacks: a user cannot raise their own tier, by the API or by claims in their token", ignore }, async () => {
  const sql = ownerDb();
  try {
    const user = await createUser(sql);
    const premium = await createUser(sql, { tier: "premium" });
    const tierOf = async (u: TestUser) => (await sql`select user_tier, subscription_end from public.users where id = ${u.id}`)[0];
    const before = await tierOf(user);
    const tries: [string, string, RequestInit & { headers?: Record<string, string> }][] = [
      ["PATCH user_tier", `users?id=eq.${user.id}`, { method: "PATCH", body: JSON.stringify({ user_tier: "premium" }) }],
      ["PATCH subscription_end", `users?id=eq.${user.id}`, { method: "PATCH", body: JSON.stringify({ subscription_end: "2099-01-01T00:00:00Z" }) }],
      ["PATCH both, hidden behind an allowed column", `users?id=eq.${user.id}`, { method: "PATCH", body: JSON.stringify({ username: "x" + user.id.slice(0, 6), user_tier: "pro" }) }],
      ["upsert (merge-duplicates)", "users?on_conflict=id", { method: "POST", body: JSON.stringify({ id: user.id, auth_id: user.id, user_tier: "premium" }), headers: { prefer: "resolution=merge-duplicates" } }],
      ["insert a second, premium profile", "users", { method: "POST", body: JSON.stringify({ id: crypto.randomUUID(), user_tier: "premium" }) }],
    ];
    for (const [why, path, init] of tries) {
      const r = await rest(path, user.jwt, init);
      assert.ok(r.status >= 400, `${why}: ${r.status} ${r.text}`);
    }
    assert.deepEqual(await tierOf(user), before, "tier and subscription unchanged");

    // Claims the user could put in their own profile (user_metadata) or wish for: ignored.
    // A premium-only table reads empty for them and not for a real premium user.
    await sql`insert into public.trend_predictions (keyword, prediction_date, predicted_for_date, predicted_score, confidence_interval, confidence_level, model_version)
              values ('e2e-tier-' || ${user.id.slice(0, 8)}, current_date, current_date + 1, 50, numrange(40, 60), 0.80, 'attack-test')`;
    const dressedUp = await userJwt(user.id, { user_metadata: { user_tier: "premium", role: "admin" }, user_tier: "premium", tier: "pro" });
    const asUser = await rest("trend_predictions?select=keyword&model_version=eq.attack-test", dressedUp);
    assert.ok(asUser.status >= 400 || (Array.isArray(asUser.json) && asUser.json.length === 0), `user: ${asUser.status} ${asUser.text}`);
    const asPremium = await rest("trend_predictions?select=keyword&model_version=eq.attack-test", premium.jwt);
    assert.equal(asPremium.status, 200, asPremium.text);
    assert.ok(asPremium.json.length >= 1, "a real premium user does read it (the check can fail)");
    // app_metadata (admin) can only be forged by signing with the project secret.
    const forgedAdmin = await userJwt(user.id, { app_metadata: { role: "admin" } }, "not-the-project-secret-but-32-chars-long");
    assert.equal((await rest("users?select=id", forgedAdmin)).status, 401);
    await sql`delete from public.trend_predictions where model_version = 'attack-test'`;
  } finally {
    await sql.end();
  }
});

Deno.test({ name: "attacks: anon reads no PII and no secrets through the API", ignore }, async () => {
  const sql = ownerDb();
  try {
    const user = await createUser(sql);
    const [video] = await createVideos(sql, 1, "anon");
    const r = await callFunction("watch-ingest", { headers: { "content-type": "application/json", authorization: `Bearer ${user.jwt}` }, body: JSON.stringify(eventFor("watch-ingest", video)) });
    assert.equal(r.status, 200, r.text);
    // Tables that hold personal data, each with rows (so an empty answer is a refusal, not luck).
    const personal = ["users", "users_secure", "user_profiles", "user_feedback", "watch_events", "watch_event_receipts",
      "video_interactions", "search_sessions", "user_session_details", "user_search_patterns", "audit_logs_enhanced",
      "database_health_metrics", "trend_predictions", "keyword_effectiveness"];
    for (const table of personal) {
      const read = await rest(`${table}?select=*&limit=5`, null);
      const refused = read.status >= 400 || (Array.isArray(read.json) && read.json.length === 0);
      assert.ok(refused, `anon read ${table}: ${read.status} ${read.text.slice(0, 200)}`);
      // The anon key sent as the bearer token too (as supabase-js does when signed out).
      const asKey = await rest(`${table}?select=*&limit=5`, S.ANON_KEY);
      assert.ok(asKey.status >= 400 || (Array.isArray(asKey.json) && asKey.json.length === 0), `anon key read ${table}: ${asKey.status}`);
    }
    const [{ users }] = await sql`select count(*)::int as users from public.users`;
    assert.ok(users > 0);
    // Schemas that are not exposed: asking for them by profile is refused.
    for (const schema of ["private", "vault", "auth", "net", "cron", "extensions", "supabase_migrations"]) {
      const read = await rest("secrets?select=*", null, { headers: { "accept-profile": schema } });
      assert.ok(read.status >= 400, `anon Accept-Profile ${schema}: ${read.status} ${read.text.slice(0, 200)}`);
    }
    // Functions that touch secrets or PII are not callable by anon.
    for (const fn of ["decrypt_pii", "encrypt_pii", "current_user_tier", "ingest_feedback_events", "ingest_watch_events",
      "trend_delivery_context", "trend_apply_plan", "resend_unacknowledged_trend_changes"]) {
      const call = await rest(`rpc/${fn}`, null, { method: "POST", body: "{}" });
      assert.ok(call.status >= 400, `anon rpc ${fn}: ${call.status} ${call.text.slice(0, 200)}`);
    }
    // The webhook signing secret and the PII keys exist — and no API role can read them.
    const [{ secrets }] = await sql`select count(*)::int as secrets from vault.secrets`;
    assert.ok(secrets >= 2);
    for (const role of ["anon", "authenticated"]) {
      await assert.rejects(
        sql.begin(async (tx) => {
          await tx.unsafe(`set local role ${role}`);
          await tx`select * from private.encryption_keys`;
        }),
        /permission denied/,
        role,
      );
    }
  } finally {
    await sql.end();
  }
});
