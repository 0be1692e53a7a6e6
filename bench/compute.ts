// P5 compute path: the pure work of each function — no I/O — in wasm (the Rust core, through
// its wasm-bindgen export) against the same work in plain TypeScript, alternating over rounds
// in one Deno process. Run by `cargo xtask bench`; prints one JSON document.
//   deno run --allow-env --allow-read bench/compute.ts <iterations> <rounds>
import * as feedback from "../pkg/feedback-ingest/feedback_ingest.js";
import { wasmBase64 as feedbackWasm } from "../pkg/feedback-ingest/wasm_base64.js";
import * as watch from "../pkg/watch-ingest/watch_ingest.js";
import { wasmBase64 as watchWasm } from "../pkg/watch-ingest/wasm_base64.js";
import * as trend from "../pkg/trend-update/trend_update.js";
import { wasmBase64 as trendWasm } from "../pkg/trend-update/wasm_base64.js";
import { bytesFromBase64 } from "../functions/_shared/serve_wasm.ts";
import { plan as tsFeedbackPlan } from "./ts-baseline/feedback-ingest.ts";
import { plan as tsWatchPlan } from "./ts-baseline/watch-ingest.ts";
import { planForBacktest as tsTrendPlan } from "./ts-baseline/trend_plan.ts";

const iterations = Number(Deno.args[0] ?? "1000");
const rounds = Number(Deno.args[1] ?? "3");

for (const [mod, b64] of [[feedback, feedbackWasm], [watch, watchWasm], [trend, trendWasm]] as const) {
  // deno-lint-ignore no-explicit-any
  (mod as any).initSync({ module: new WebAssembly.Module(bytesFromBase64(b64)) });
}

const now = Date.now();
const iso = new Date(now).toISOString();
const uuid = () => crypto.randomUUID();
const videos = Array.from({ length: 50 }, uuid);
const kinds = ["like", "dislike", "not_interested", "report"];
const feedbackBody = new TextEncoder().encode(JSON.stringify({
  events: Array.from({ length: 100 }, (_, i) => ({
    event_id: uuid(), video_id: videos[i % 50], feedback_type: kinds[i % 4], source_keyword: "bench",
    position_in_list: i % 50, session_id: uuid(), occurred_at: iso,
  })),
  sent_at: iso,
}));
const session = uuid();
const watchBody = new TextEncoder().encode(JSON.stringify({
  events: Array.from({ length: 100 }, (_, i) => {
    const step = i % 10;
    const kind = step === 0 ? "play" : step === 5 ? "seek" : step === 9 ? "end" : "pause";
    return {
      event_id: uuid(), session_id: session, video_id: videos[Math.floor(i / 10)], event_type: kind,
      video_timestamp: step * 5 + 0.25, total_duration: 60, source_keyword: "bench",
      ...(kind === "seek" ? { seek_from: 5.5, seek_to: 15 } : {}), occurred_at: iso,
    };
  }),
  sent_at: iso,
}));
// A full delivery chunk: 200 keywords, 60 days of history each (what trend_delivery_context returns).
const nowSecs = Math.floor(now / 1000);
const trendBody = JSON.stringify({
  delivery_id: uuid(),
  keywords: Array.from({ length: 200 }, (_, k) => ({
    outbox_id: k + 1, keyword: `bench-kw-${k}`, trend_score: 40 + (k % 50), source: "bench", valid_until: null,
    history: Array.from({ length: 60 }, (_, d) => ({
      at: new Date((nowSecs - (60 - d) * 86400 - (k % 24) * 3600) * 1000).toISOString(),
      score: Math.round((30 + (k % 40) + 10 * Math.sin(d / 3) + d * 0.2) * 100) / 100,
    })),
  })),
  sent_at: new Date(now).toISOString(),
});

type Case = { name: string; wasm: () => string; ts: () => string };
const cases: Case[] = [
  { name: "feedback-ingest", wasm: () => feedback.plan_only(feedbackBody, now), ts: () => tsFeedbackPlan(feedbackBody, now) },
  { name: "watch-ingest", wasm: () => watch.plan_only(watchBody, now), ts: () => tsWatchPlan(watchBody, now) },
  { name: "trend-update", wasm: () => trend.plan_for_backtest(trendBody, nowSecs), ts: () => tsTrendPlan(trendBody, nowSecs) },
];

// Key order is not part of the contract (serde_json::Value keeps keys sorted): compare sorted.
const sortKeys = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sortKeys)
  : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]))
  : v;
const canonical = (s: string) => JSON.stringify(sortKeys(JSON.parse(s)));
const out: Record<string, unknown> = {};
for (const c of cases) {
  const w = c.wasm(), t = c.ts();
  const equal = canonical(w) === canonical(t);
  const n = c.name === "trend-update" ? Math.max(10, Math.floor(iterations / 20)) : iterations;
  for (let i = 0; i < Math.min(n, 100); i++) {
    c.wasm();
    c.ts();
  }
  const wasmUs: number[] = [], tsUs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ["wasm", "ts"] : ["ts", "wasm"];
    for (const which of order) {
      const f = which === "wasm" ? c.wasm : c.ts;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) f();
      const us = (performance.now() - t0) * 1000 / n;
      (which === "wasm" ? wasmUs : tsUs).push(us);
    }
  }
  out[c.name] = {
    iterations: n, wasm_us: wasmUs, ts_us: tsUs, outputs_equal: equal,
    sample_lengths: { wasm: w.length, ts: t.length },
    first_difference: equal ? null : firstDifference(canonical(w), canonical(t)),
  };
}
console.log(JSON.stringify(out));

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `at ${i}: wasm …${a.slice(Math.max(0, i - 60), i + 60)}… ts …${b.slice(Math.max(0, i - 60), i + 60)}…`;
}
