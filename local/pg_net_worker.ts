// Local delivery worker for the pg_net stand-in (local/extensions/pg_net--0.20.0.sql).
// Mirrors pg_net's worker (supabase/pg_net src/core.c): woken by NOTIFY pg_net_wake (sent at
// COMMIT), it DELETEs up to `batch_size` queued rows (before sending: at-most-once, like pg_net),
// sends them concurrently with each row's timeout, and writes one net._http_response row per
// request. Responses older than pg_net.ttl (default 6 hours) are deleted while awake.
// Local only; never deployed.
import postgres from "postgres";

const url = Deno.env.get("PG_NET_DATABASE_URL");
if (!url) throw new Error("PG_NET_DATABASE_URL is required");
const BATCH_SIZE = Number(Deno.env.get("PG_NET_BATCH_SIZE") ?? "200");
// pg_net has no polling since 0.10 (on-demand wake); a slow poll only covers a lost wake.
const POLL_MS = Number(Deno.env.get("PG_NET_POLL_MS") ?? "1000");

const sql = postgres(url, {
  max: 4,
  connection: { application_name: "pg_net worker" },
  onnotice: () => {},
});

type Queued = {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string> | null;
  body: Uint8Array | null;
  timeout_milliseconds: number;
};

type Outcome = {
  id: string;
  status_code: number | null;
  content_type: string | null;
  headers: Record<string, string> | null;
  content: string | null;
  error_msg: string | null;
};

async function send(req: Queued): Promise<Outcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), req.timeout_milliseconds);
  try {
    const res = await fetch(req.url, {
      method: req.method.toUpperCase(),
      headers: req.headers ?? {},
      body: req.body ?? undefined,
      signal: controller.signal,
    });
    const content = await res.text();
    return {
      id: req.id,
      status_code: res.status,
      content_type: res.headers.get("content-type"),
      headers: Object.fromEntries(res.headers.entries()),
      content,
      error_msg: null,
    };
  } catch (err) {
    const timedOut = controller.signal.aborted;
    return {
      id: req.id,
      status_code: null,
      content_type: null,
      headers: null,
      content: null,
      // pg_net reports timeouts in error_msg; its timed_out column stays NULL (pg_net issue 180).
      error_msg: timedOut ? `Timeout of ${req.timeout_milliseconds} ms reached` : String(err),
    };
  } finally {
    clearTimeout(timer);
  }
}

async function drainOnce(): Promise<number> {
  const batch = await sql<Queued[]>`
    delete from net.http_request_queue
    where id in (select id from net.http_request_queue order by id limit ${BATCH_SIZE} for update skip locked)
    returning id, method, url, headers, body, timeout_milliseconds`;
  if (batch.length === 0) return 0;
  const outcomes = await Promise.all(batch.map(send));
  await sql`
    insert into net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg)
    select (r->>'id')::bigint, (r->>'status_code')::int, r->>'content_type', r->'headers', r->>'content', null, r->>'error_msg'
    from jsonb_array_elements(${sql.json(outcomes)}::jsonb) r`;
  return batch.length;
}

async function expireResponses() {
  await sql`
    delete from net._http_response
    where created < now() - coalesce(nullif(current_setting('pg_net.ttl', true), ''), '6 hours')::interval`;
}

let draining = false;
let wakeAgain = false;
async function drain() {
  if (draining) {
    wakeAgain = true;
    return;
  }
  draining = true;
  try {
    do {
      wakeAgain = false;
      while ((await drainOnce()) > 0) { /* keep going while the queue has rows */ }
      await expireResponses();
    } while (wakeAgain);
  } catch (err) {
    console.error("pg_net worker: drain failed:", err);
  } finally {
    draining = false;
  }
}

await sql.listen("pg_net_wake", () => void drain(), () => void drain());
setInterval(() => void drain(), POLL_MS);
console.log(`pg_net worker up (batch_size=${BATCH_SIZE})`);

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, async () => {
    await sql.end({ timeout: 2 });
    Deno.exit(0);
  });
}
