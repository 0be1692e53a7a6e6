// Load client for the ingestion functions: closed-loop workers (bounded concurrency, bounded
// duration) post watch and feedback batches through the gateway as signed-in users, retrying
// timeouts, network errors and 5xx with the SAME body (same event ids) after Retry-After,
// and remember every event id a 2xx acknowledged. `verifyLoad` then compares with the rows in
// the database: acknowledged = stored, 0 lost, 0 duplicated.
//
// Used by `cargo xtask soak` (run as a script, see the bottom) and by tests/faults.test.ts.
import { createUser, createVideos } from "../support/fixtures.ts";
import { ownerDb, type StackStatus } from "../support/stack.ts";

type Sql = ReturnType<typeof ownerDb>;

export interface LoadOptions {
  functionsUrl: string;
  /** Closed-loop workers (requests in flight at once). */
  concurrency: number;
  /** Events per request. */
  batch: number;
  durationMs: number;
  /** Per attempt: a request with no answer by then is aborted and retried. */
  requestTimeoutMs?: number;
  /** After the load ends, how long a request may keep retrying before it is abandoned. */
  drainMs?: number;
  /** Every n-th request is a feedback batch (the others are watch batches). */
  feedbackEvery?: number;
  /** Called once a second with the running totals. */
  onSecond?: (s: SecondStats) => void;
}

export interface Fixtures {
  users: { id: string; jwt: string }[];
  videos: string[];
  /** Tag in every event's source_keyword, to find this run's rows. */
  tag: string;
  /** Feedback is unique per (user, video, feedback_type): each pair is handed out once, across runs. */
  feedbackNext: Map<string, number>;
}

export interface SecondStats {
  t: number; // epoch ms of the second's start
  ok: number; // 2xx answers
  s5xx: number; // 5xx answers
  network: number; // timeouts and connection errors
  acked: number; // events acknowledged
}

export interface LoadReport {
  startedAt: number;
  endedAt: number;
  concurrency: number;
  batch: number;
  requests: number; // logical requests (a batch, however often it was retried)
  attempts: number;
  retries: number;
  abandoned: number; // requests never acknowledged within the drain time
  statuses: Record<string, number>; // per attempt: "200", "503", "timeout", "network", ...
  codes: Record<string, number>; // error codes of non-2xx answers
  retryAfterMissing: number; // 5xx answers without a Retry-After header
  clientErrors: number; // 4xx answers (never expected here)
  eventsSent: number;
  eventsAcked: number;
  eventsRejected: number; // in a 2xx answer's rejected[] (never expected here)
  duplicatesReported: number; // events a 2xx called duplicates: retries of a request that had committed
  ackedWatch: string[];
  ackedFeedback: string[];
  unackedWatch: string[]; // sent but never acknowledged (abandoned)
  unackedFeedback: string[];
  latencyMs: { p50: number; p90: number; p99: number; max: number }; // of acknowledged attempts
  requestMs: { p50: number; p99: number; max: number }; // first attempt to acknowledgement
  timeline: SecondStats[];
  /** First non-2xx attempt and first 2xx after it, per outage (gaps between successes). */
  outages: { from: number; to: number; ms: number; failedAttempts: number }[];
}

export async function setupFixtures(sql: Sql, users: number, videos: number): Promise<Fixtures> {
  const tag = `soak-${crypto.randomUUID().slice(0, 8)}`;
  const made = [];
  for (let i = 0; i < users; i++) made.push(await createUser(sql));
  return { users: made, videos: await createVideos(sql, videos, tag), tag, feedbackNext: new Map() };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runLoad(opts: LoadOptions, fx: Fixtures): Promise<LoadReport> {
  const requestTimeoutMs = opts.requestTimeoutMs ?? 15_000;
  const drainMs = opts.drainMs ?? 60_000;
  const feedbackEvery = opts.feedbackEvery ?? 5;
  const startedAt = Date.now();
  const loadEnds = startedAt + opts.durationMs;
  const giveUp = loadEnds + drainMs;
  const r: LoadReport = {
    startedAt, endedAt: 0, concurrency: opts.concurrency, batch: opts.batch, requests: 0, attempts: 0, retries: 0,
    abandoned: 0, statuses: {}, codes: {}, retryAfterMissing: 0, clientErrors: 0, eventsSent: 0, eventsAcked: 0,
    eventsRejected: 0, duplicatesReported: 0, ackedWatch: [], ackedFeedback: [], unackedWatch: [], unackedFeedback: [],
    latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 }, requestMs: { p50: 0, p99: 0, max: 0 }, timeline: [], outages: [],
  };
  const latencies: number[] = [];
  const requestTimes: number[] = [];
  const seconds = new Map<number, SecondStats>();
  const second = (t: number) => {
    const key = Math.floor(t / 1000) * 1000;
    let s = seconds.get(key);
    if (!s) seconds.set(key, s = { t: key, ok: 0, s5xx: 0, network: 0, acked: 0 });
    return s;
  };
  let outage: { from: number; failedAttempts: number } | null = null;
  const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);

  const feedbackTypes = ["like", "dislike", "not_interested"];
  const feedbackNext = fx.feedbackNext;

  const watchBatch = (worker: number) => {
    const session = crypto.randomUUID();
    const events = [];
    for (let i = 0; i < opts.batch; i++) {
      const video = fx.videos[(worker * 7919 + r.requests * 31 + i) % fx.videos.length];
      const play = i % 3 === 0;
      events.push({
        event_id: crypto.randomUUID(), session_id: session, video_id: video,
        event_type: play ? "play" : "pause", video_timestamp: play ? 0 : (i % 50) + 1, total_duration: 60,
        source_keyword: fx.tag, occurred_at: new Date().toISOString(),
      });
    }
    return events;
  };
  const feedbackBatch = (userId: string) => {
    const events = [];
    for (let i = 0; i < opts.batch; i++) {
      const n = feedbackNext.get(userId) ?? 0;
      if (n >= fx.videos.length * feedbackTypes.length) break; // this user has used every pair
      feedbackNext.set(userId, n + 1);
      events.push({
        event_id: crypto.randomUUID(), video_id: fx.videos[n % fx.videos.length],
        feedback_type: feedbackTypes[Math.floor(n / fx.videos.length)], source_keyword: fx.tag,
        position_in_list: i, occurred_at: new Date().toISOString(),
      });
    }
    return events;
  };

  /** One logical request: retried with the same body until acknowledged or abandoned. */
  async function send(slug: string, jwt: string, events: { event_id: string }[]) {
    const body = JSON.stringify({ events, sent_at: new Date().toISOString() });
    const first = performance.now();
    r.requests++;
    r.eventsSent += events.length;
    for (let attempt = 0;; attempt++) {
      if (attempt > 0) r.retries++;
      r.attempts++;
      const t0 = performance.now();
      let wait = 1000;
      let outcome = "";
      try {
        const res = await fetch(`${opts.functionsUrl}/${slug}`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${jwt}` },
          body,
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
        const text = await res.text();
        outcome = String(res.status);
        if (res.status >= 200 && res.status < 300) {
          const json = JSON.parse(text);
          const rejected = new Set<string>((json.rejected ?? []).map((x: { event_id?: string }) => x.event_id));
          r.eventsRejected += rejected.size;
          r.duplicatesReported += Number(json.duplicates ?? 0);
          const acked = events.map((e) => e.event_id).filter((id) => !rejected.has(id));
          (slug === "watch-ingest" ? r.ackedWatch : r.ackedFeedback).push(...acked);
          r.eventsAcked += acked.length;
          const now = Date.now();
          second(now).ok++;
          second(now).acked += acked.length;
          latencies.push(performance.now() - t0);
          requestTimes.push(performance.now() - first);
          bump(r.statuses, outcome);
          if (outage) {
            r.outages.push({ from: outage.from, to: now, ms: now - outage.from, failedAttempts: outage.failedAttempts });
            outage = null;
          }
          return;
        }
        try {
          bump(r.codes, JSON.parse(text)?.error?.code ?? `http_${res.status}`);
        } catch {
          bump(r.codes, `http_${res.status}`);
        }
        if (res.status < 500) {
          // Not retryable: the request itself is wrong. Never expected from this client.
          r.clientErrors++;
          bump(r.statuses, outcome);
          (slug === "watch-ingest" ? r.unackedWatch : r.unackedFeedback).push(...events.map((e) => e.event_id));
          return;
        }
        second(Date.now()).s5xx++;
        const retryAfter = res.headers.get("retry-after");
        if (retryAfter === null) r.retryAfterMissing++;
        else wait = Math.max(100, Number(retryAfter) * 1000);
      } catch (err) {
        outcome = err instanceof DOMException && err.name === "TimeoutError" ? "timeout" : "network";
        second(Date.now()).network++;
      }
      bump(r.statuses, outcome);
      outage ??= { from: Date.now(), failedAttempts: 0 };
      outage.failedAttempts++;
      if (Date.now() + wait > giveUp) {
        r.abandoned++;
        (slug === "watch-ingest" ? r.unackedWatch : r.unackedFeedback).push(...events.map((e) => e.event_id));
        return;
      }
      // Retry-After, with jitter so the workers do not come back in lockstep.
      await sleep(wait * (0.75 + Math.random() * 0.5));
    }
  }

  async function worker(w: number) {
    for (let n = 0; Date.now() < loadEnds; n++) {
      const user = fx.users[(w + n) % fx.users.length];
      const feedback = feedbackEvery > 0 && n % feedbackEvery === feedbackEvery - 1;
      const events = feedback ? feedbackBatch(user.id) : [];
      if (events.length > 0) await send("feedback-ingest", user.jwt, events);
      else await send("watch-ingest", user.jwt, watchBatch(w));
    }
  }

  let ticker: number | undefined;
  if (opts.onSecond) {
    let last = Math.floor(Date.now() / 1000) * 1000;
    ticker = setInterval(() => {
      const now = Math.floor(Date.now() / 1000) * 1000;
      for (let t = last; t < now; t += 1000) opts.onSecond!(seconds.get(t) ?? { t, ok: 0, s5xx: 0, network: 0, acked: 0 });
      last = now;
    }, 1000);
  }
  try {
    await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
  } finally {
    clearInterval(ticker);
  }
  r.endedAt = Date.now();
  latencies.sort((a, b) => a - b);
  requestTimes.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  r.latencyMs = { p50: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? 0) };
  r.requestMs = { p50: round(percentile(requestTimes, 50)), p99: round(percentile(requestTimes, 99)), max: round(requestTimes.at(-1) ?? 0) };
  r.timeline = [...seconds.values()].sort((a, b) => a.t - b.t);
  return r;
}

export interface Verification {
  acked: number;
  stored: number; // acknowledged events found in the database
  lost: number; // acknowledged but not stored
  duplicated: number; // events stored more than once
  storedUnacked: number; // abandoned events that did land (allowed: the client gave up, not the server)
  runRows: number; // every row of this run (by tag)
}

/** How many of `ids` have a row in `table`. */
async function countStored(sql: Sql, table: "watch_events" | "user_feedback", ids: string[]) {
  let stored = 0;
  for (let i = 0; i < ids.length; i += 5000) {
    const [row] = await sql.unsafe(
      `select count(distinct event_id)::int as stored from public.${table} where event_id = any ($1::uuid[])`,
      [ids.slice(i, i + 5000)],
    );
    stored += row.stored;
  }
  return stored;
}

/** Compares what the clients were told with what the database holds. */
export async function verifyLoad(sql: Sql, r: LoadReport, fx: Fixtures): Promise<Verification> {
  const stored = await countStored(sql, "watch_events", r.ackedWatch) + await countStored(sql, "user_feedback", r.ackedFeedback);
  const storedUnacked = await countStored(sql, "watch_events", r.unackedWatch) +
    await countStored(sql, "user_feedback", r.unackedFeedback);
  // Every event of the run carries the run's tag: a second row for any event id is a duplicate.
  const [{ rows, dupes }] = await sql`
    select (select count(*) from public.watch_events where source_keyword = ${fx.tag})::int
         + (select count(*) from public.user_feedback where source_keyword = ${fx.tag})::int as rows,
           (select count(*) from (select event_id from public.watch_events where source_keyword = ${fx.tag}
                                  group by event_id having count(*) > 1) d)::int
         + (select count(*) from (select event_id from public.user_feedback where source_keyword = ${fx.tag}
                                  group by event_id having count(*) > 1) d)::int as dupes`;
  const acked = r.ackedWatch.length + r.ackedFeedback.length;
  return { acked, stored, lost: acked - stored, duplicated: dupes, storedUnacked, runRows: rows };
}

// --- as a script: `cargo xtask soak` runs it with STACK_STATUS set ---------------------------
if (import.meta.main) {
  const arg = (name: string, fallback: number) => {
    const i = Deno.args.indexOf(`--${name}`);
    return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
  };
  const out = (() => {
    const i = Deno.args.indexOf("--out");
    return i >= 0 ? Deno.args[i + 1] : undefined;
  })();
  const status: StackStatus = JSON.parse(Deno.env.get("STACK_STATUS") ?? "null");
  if (!status) throw new Error("STACK_STATUS is not set (run through `cargo xtask soak`)");
  const sql = ownerDb();
  try {
    const fx = await setupFixtures(sql, arg("users", 16), arg("videos", 300));
    const seconds = arg("seconds", 60);
    const log = (s: SecondStats) =>
      console.log(`  t=${new Date(s.t).toISOString().slice(11, 19)} ok=${s.ok} 5xx=${s.s5xx} net/timeout=${s.network} events=${s.acked}`);
    // Calibration: short runs at increasing concurrency; the load runs at the best one.
    let concurrency = arg("concurrency", 0);
    const calibration: { concurrency: number; eventsPerSec: number; p99: number }[] = [];
    if (concurrency === 0) {
      for (const c of [2, 4, 8, 16]) {
        const cal = await runLoad({ functionsUrl: status.FUNCTIONS_URL, concurrency: c, batch: arg("batch", 25), durationMs: 5_000 }, fx);
        const eps = cal.eventsAcked / ((cal.endedAt - cal.startedAt) / 1000);
        calibration.push({ concurrency: c, eventsPerSec: Math.round(eps), p99: cal.latencyMs.p99 });
        console.log(`  calibration: concurrency ${c}: ${eps.toFixed(0)} events/s, p99 ${cal.latencyMs.p99} ms`);
      }
      // The lowest concurrency within 5 % of the best rate (more only adds queueing).
      const best = Math.max(...calibration.map((c) => c.eventsPerSec));
      concurrency = calibration.find((c) => c.eventsPerSec >= 0.95 * best)!.concurrency;
    }
    console.log(`  load: ${seconds} s at concurrency ${concurrency}, ${arg("batch", 25)} events per request`);
    // The orchestrator (xtask) waits for this line to time its faults.
    console.log(`LOAD_STARTED ${Date.now()}`);
    const report = await runLoad({
      functionsUrl: status.FUNCTIONS_URL, concurrency, batch: arg("batch", 25), durationMs: seconds * 1000, onSecond: log,
    }, fx);
    const verification = await verifyLoad(sql, report, fx);
    const summary = {
      ...report, ackedWatch: report.ackedWatch.length, ackedFeedback: report.ackedFeedback.length,
      unackedWatch: report.unackedWatch.length, unackedFeedback: report.unackedFeedback.length,
      eventsPerSec: Math.round(report.eventsAcked / ((report.endedAt - report.startedAt) / 1000)),
      requestsPerSec: Math.round(report.requests / ((report.endedAt - report.startedAt) / 1000)),
      calibration, verification,
    };
    const text = JSON.stringify(summary);
    if (out) await Deno.writeTextFile(out, text);
    console.log(`LOAD_REPORT ${text}`);
  } finally {
    await sql.end();
  }
}
