// Forecast quality tracked in the database: the trend-update planner (the same wasm the
// function runs) is backtested on synthetic daily series with known behaviour, its predictions
// and the realised values are written to trend_predictions, and public.trend_forecast_quality
// must report coverage near nominal on the stable series.
import assert from "node:assert/strict";
import * as wasm from "../pkg/trend-update/trend_update.js";
import { wasmBase64 } from "../pkg/trend-update/wasm_base64.js";
import { bytesFromBase64 } from "../functions/_shared/serve_wasm.ts";
import { ownerDb, stack } from "./support/stack.ts";

const ignore = !stack;
const DAY = 86_400;
const BASE = Date.UTC(2020, 0, 1) / 1000; // far from the dates other tests write

/** Deterministic N(0,1) stream: LCG + Box–Muller. */
function gaussian(seed: number) {
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

const DAYS = 120;
function series(kind: "flat" | "linear" | "step"): number[] {
  const noise = gaussian(kind.length * 7919);
  return Array.from({ length: DAYS }, (_, t) => {
    const level = kind === "flat" ? 50 : kind === "linear" ? 20 + 0.3 * t : t < 70 ? 30 : 70;
    return Math.min(100, Math.max(0, Math.round((level + 3 * noise()) * 100) / 100));
  });
}

type Row = {
  keyword: string;
  prediction_date: string;
  predicted_for_date: string;
  predicted_score: number;
  confidence_interval: string;
  confidence_level: number;
  model_version: string;
  actual_score: number;
};

function backtest(kind: "flat" | "linear" | "step"): Row[] {
  const y = series(kind);
  const rows: Row[] = [];
  const noon = (day: number) => BASE + day * DAY + 12 * 3600;
  for (let cutoff = 30; cutoff < DAYS - 7; cutoff++) {
    const delivery = {
      delivery_id: crypto.randomUUID(),
      sent_at: new Date(noon(cutoff) * 1000).toISOString(),
      keywords: [{
        outbox_id: 1,
        keyword: `backtest-${kind}`,
        trend_score: y[cutoff],
        source: "synthetic",
        valid_until: null,
        history: y.slice(0, cutoff).map((score, day) => ({ at: new Date(noon(day) * 1000).toISOString(), score })),
      }],
    };
    const plan = JSON.parse(wasm.plan_for_backtest(JSON.stringify(delivery), noon(cutoff)));
    assert.ok(plan.predictions, JSON.stringify(plan));
    for (const p of plan.predictions) {
      const day = Math.round((Date.parse(p.predicted_for_date) / 1000 - BASE) / DAY);
      rows.push({ ...p, model_version: `${p.model_version}:${kind}`, actual_score: y[day] });
    }
  }
  return rows;
}

Deno.test({ name: "forecast quality view: coverage near nominal on flat and linear series, MAE and MASE reported", ignore }, async () => {
  wasm.initSync({ module: bytesFromBase64(wasmBase64) });
  const sql = ownerDb();
  try {
    const rows = [...backtest("flat"), ...backtest("linear"), ...backtest("step")];
    await sql`
      insert into public.trend_predictions (keyword, prediction_date, predicted_for_date, predicted_score,
        confidence_interval, confidence_level, model_version, features_used, actual_score)
      select keyword, prediction_date, predicted_for_date, predicted_score, confidence_interval::numrange,
             confidence_level, model_version, '{}'::jsonb, actual_score
      from jsonb_to_recordset(${sql.json(rows)}::jsonb) as r(keyword text, prediction_date date, predicted_for_date date,
        predicted_score numeric, confidence_interval text, confidence_level numeric, model_version text, actual_score numeric)`;
    const quality = await sql`
      select split_part(model_version, ':', 2) as series, avg(coverage_80)::float8 as c80, avg(coverage_95)::float8 as c95,
             avg(mae)::float8 as mae, avg(mase)::float8 as mase, avg(mean_interval_score_95)::float8 as mis,
             sum(forecasts)::int as n, count(*)::int as horizons
      from public.trend_forecast_quality where model_version like 'holt-aan-1:%' group by 1 order by 1`;
    console.table(quality);
    const by = Object.fromEntries(quality.map((q) => [q.series, q]));
    for (const stable of ["flat", "linear"]) {
      const q = by[stable];
      assert.equal(q.horizons, 7);
      assert.ok(q.c95 >= 0.85 && q.c95 <= 1, `${stable} 95% coverage ${q.c95}`);
      assert.ok(q.c80 >= 0.65 && q.c80 <= 0.97, `${stable} 80% coverage ${q.c80}`);
      assert.ok(q.mae > 0 && q.mae < 8, `${stable} MAE ${q.mae}`);
    }
    // A level shift the model cannot foresee: worse than the stable series on every measure.
    assert.ok(by.step.mis > by.flat.mis, "step change scores worse than flat");
  } finally {
    await sql`delete from public.trend_predictions where model_version like 'holt-aan-1:%'`;
    await sql.end();
  }
});
