// Benchmark baseline (not product code): trend-update's pure planner
// (functions/trend-update/src/{payload,strength,forecast,plan}.rs) written by hand in plain
// TypeScript, for P5's compute-path comparison: parse + validate the delivery, trend strength,
// daily series, Holt grid search (19 × 19, the 19 β* advancing together as in Rust),
// prediction intervals, actual-score back-fill, acknowledgements. Ranking is left out: the
// compared wasm export (plan_for_backtest) plans without mappings too.

const MAX_KEYWORDS = 10_000;
const MAX_HISTORY = 400;
const MODEL_VERSION = "holt-aan-1";
const HORIZON = 7;
const MAX_SERIES_DAYS = 90;
const DEFAULT_SIGMA = 5.0;
const MIN_RESIDUALS_FOR_SIGMA = 3;
const LEVELS: [number, number][] = [[0.8, 1.2815515655446004], [0.95, 1.959963984540054]];
const GRID = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
const BACKFILL_DAYS = 14;
const MIN_BASELINE = 3;
const Z_THRESHOLD = 2.0, ETA_THRESHOLD = 1.0, Z_99 = 2.575829303548901, TAIL_99 = 0.005;
const DAY = 86_400;

class PlanError extends Error {
  constructor(public code: string, message: string, public field?: string) {
    super(message);
  }
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TS = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400), yoe = y - era * 400;
  const doy = Math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}
function parseTs(text: unknown, field: string): number {
  const m = typeof text === "string" ? TS.exec(text) : null;
  if (!m) throw new PlanError("invalid_value", `invalid value: ${JSON.stringify(text)}, expected an RFC 3339 timestamp`, field);
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) {
    throw new PlanError("invalid_value", "invalid timestamp", field);
  }
  let off = 0;
  if (!m[7]) {
    const oh = Number(m[9]), om = Number(m[10]);
    if (oh > 23 || om > 59) throw new PlanError("invalid_value", "invalid offset", field);
    off = (m[8] === "+" ? 1 : -1) * (oh * 3600 + om * 60);
  }
  return daysFromCivil(y, mo, d) * DAY + h * 3600 + mi * 60 + s - off;
}
function formatDay(day: number): string {
  return new Date(day * DAY * 1000).toISOString().slice(0, 10);
}
const dayOf = (at: number) => Math.floor(at / DAY);
const hourOf = (at: number) => Math.floor((((at % DAY) + DAY) % DAY) / 3600);
const weekdayOf = (at: number) => (((dayOf(at) + 4) % 7) + 7) % 7;

function obj(v: unknown, field: string, keys: string[]): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new PlanError("invalid_type", "expected an object", field);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new PlanError("unknown_field", `unknown field \`${k}\``, field);
  for (const k of keys) if (!(k in o)) throw new PlanError("missing_field", `missing field \`${k}\``, field);
  return o;
}
function score(v: unknown, field: string): number {
  if (typeof v !== "number") throw new PlanError("invalid_type", "expected a number", field);
  if (!(v >= 0 && v <= 100)) throw new PlanError("invalid_value", "a score between 0 and 100", field);
  return v;
}

interface Point { at: number; score: number }
interface Change { outbox_id: number; keyword: string; trend_score: number | null; source: string | null; valid_until: number | null; history: Point[] }
interface Delivery { delivery_id: string; keywords: Change[]; sent_at: number }

export function parseDelivery(text: string): Delivery {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new PlanError("malformed_json", String(e));
  }
  const d = obj(v, ".", ["delivery_id", "keywords", "sent_at"]);
  if (typeof d.delivery_id !== "string" || !UUID.test(d.delivery_id)) throw new PlanError("invalid_value", "a UUID", "delivery_id");
  const sentAt = parseTs(d.sent_at, "sent_at");
  if (!Array.isArray(d.keywords)) throw new PlanError("invalid_type", "expected a sequence", "keywords");
  if (d.keywords.length === 0) throw new PlanError("empty_batch", "a delivery must carry at least one keyword", "keywords");
  if (d.keywords.length > MAX_KEYWORDS) throw new PlanError("batch_too_large", "too many keywords", "keywords");
  const keywords = d.keywords.map((raw, k): Change => {
    const f = `keywords[${k}]`;
    const c = obj(raw, f, ["outbox_id", "keyword", "trend_score", "source", "valid_until", "history"]);
    if (!Number.isInteger(c.outbox_id)) throw new PlanError("invalid_type", "expected i64", `${f}.outbox_id`);
    const kw = c.keyword;
    if (typeof kw !== "string" || kw.trim() === "" || Array.from(kw).length > 100) {
      throw new PlanError("invalid_value", "1 to 100 characters, not blank", `${f}.keyword`);
    }
    if (c.source !== null && typeof c.source !== "string") throw new PlanError("invalid_type", "expected a string", `${f}.source`);
    if (!Array.isArray(c.history)) throw new PlanError("invalid_type", "expected a sequence", `${f}.history`);
    if (c.history.length > MAX_HISTORY) throw new PlanError("invalid_value", "too many history points", `${f}.history`);
    let previous = -Infinity;
    const history = c.history.map((p, i): Point => {
      const pf = `${f}.history[${i}]`;
      const o = obj(p, pf, ["at", "score"]);
      const at = parseTs(o.at, `${pf}.at`);
      const point = { at, score: score(o.score, `${pf}.score`) };
      if (at < previous || at > sentAt) throw new PlanError("invalid_value", "history must be oldest first and not later than sent_at", `${pf}.at`);
      previous = at;
      return point;
    });
    return {
      outbox_id: c.outbox_id as number,
      keyword: kw,
      trend_score: c.trend_score === null ? null : score(c.trend_score, `${f}.trend_score`),
      source: c.source as string | null,
      valid_until: c.valid_until === null ? null : parseTs(c.valid_until, `${f}.valid_until`),
      history,
    };
  });
  return { delivery_id: d.delivery_id, keywords, sent_at: sentAt };
}

interface Strength {
  velocity: number; z_score: number; poisson_eta: number; baseline_mean: number; baseline_std: number;
  baseline_points: number; slot_points: number; is_trending: boolean;
}

class Moments {
  count = 0; mean = 0; sq = 0;
  push(v: number) {
    this.count++;
    const delta = v - this.mean;
    this.mean += delta / this.count;
    this.sq += delta * (v - this.mean);
  }
  std() {
    return this.count < 2 ? 0 : Math.sqrt(this.sq / (this.count - 1));
  }
}

function poissonWidth(mean: number): number {
  let width: number;
  if (mean >= 10) width = 2 * Z_99 * Math.sqrt(mean);
  else {
    let pmf = Math.exp(-mean), cdf = pmf, lower: number | null = null, k = 0;
    while (k < 1000) {
      if (lower === null && cdf >= TAIL_99) lower = k;
      if (cdf >= 1 - TAIL_99) break;
      k += 1;
      pmf *= mean / k;
      cdf += pmf;
    }
    width = k - (lower ?? k);
  }
  return Math.max(width, 1);
}

function assess(history: Point[], current: Point): Strength | null {
  const slotW = weekdayOf(current.at), slotH = hourOf(current.at);
  const whole = new Moments(), inSlot = new Moments();
  for (const p of history) {
    whole.push(p.score);
    if (weekdayOf(p.at) === slotW && hourOf(p.at) === slotH) inSlot.push(p.score);
  }
  if (whole.count === 0) return null;
  const base = inSlot.count >= MIN_BASELINE ? inSlot : whole;
  const x = current.score, mean = base.mean, std = base.std();
  const z = (x - mean) / Math.max(std, 1);
  const eta = Math.abs(x - mean) / poissonWidth(mean);
  return {
    velocity: (x - mean) / Math.max(mean, 1), z_score: z, poisson_eta: eta, baseline_mean: mean, baseline_std: std,
    baseline_points: base.count, slot_points: inSlot.count,
    is_trending: base.count >= MIN_BASELINE && x > mean && (eta > ETA_THRESHOLD || z > Z_THRESHOLD),
  };
}

function dailySeries(obs: Point[], throughDay: number): { first: number; last: number; values: number[] } | null {
  if (obs.length === 0) return null;
  const last = Math.max(throughDay, dayOf(obs[obs.length - 1].at));
  const first = Math.max(dayOf(obs[0].at), last - MAX_SERIES_DAYS + 1);
  let i = 0, carried = obs[0].score;
  const values: number[] = [];
  for (let day = first; day <= last; day++) {
    while (i < obs.length && dayOf(obs[i].at) <= day) carried = obs[i++].score;
    values.push(carried);
  }
  return { first, last, values };
}

interface Fit { alpha: number; beta: number; level: number; trend: number; sse: number }

function holtGrid(values: number[]): Fit | null {
  if (values.length < 2) return null;
  const n = GRID.length;
  let best: Fit | null = null;
  const level = new Float64Array(n), trend = new Float64Array(n), sse = new Float64Array(n);
  for (const alpha of GRID) {
    level.fill(values[1]);
    trend.fill(values[1] - values[0]);
    sse.fill(0);
    for (let t = 2; t < values.length; t++) {
      const y = values[t];
      for (let j = 0; j < n; j++) {
        const e = y - (level[j] + trend[j]);
        level[j] += trend[j] + alpha * e;
        trend[j] += alpha * GRID[j] * e;
        sse[j] += e * e;
      }
    }
    for (let j = 0; j < n; j++) {
      if (best === null || sse[j] < best.sse) best = { alpha, beta: GRID[j], level: level[j], trend: trend[j], sse: sse[j] };
    }
  }
  return best;
}

const toScore = (v: number) => Math.round(Math.min(100, Math.max(0, v)) * 100) / 100;

function forecastRows(keyword: string, s: { last: number; values: number[] }, strength: Strength | null, predictionDate: string) {
  const v = s.values, n = v.length;
  let method: string, alpha: number | null = null, beta: number | null = null, sigma = DEFAULT_SIGMA;
  let point: (h: number) => number, spread: (h: number) => number;
  if (n === 1) {
    method = "naive";
    point = () => v[0];
    spread = (h) => Math.sqrt(h);
  } else if (n === 2) {
    method = "drift";
    point = (h) => v[1] + h * (v[1] - v[0]);
    spread = (h) => Math.sqrt(h * (1 + h));
  } else {
    const fit = holtGrid(v)!;
    method = "holt";
    alpha = fit.alpha;
    beta = fit.beta;
    const residuals = Math.max(n - 2, 1);
    const fitted = Math.sqrt(fit.sse / residuals);
    sigma = residuals < MIN_RESIDUALS_FOR_SIGMA ? Math.max(fitted, DEFAULT_SIGMA) : fitted;
    point = (h) => fit.level + h * fit.trend;
    spread = (h) => {
      const b = fit.alpha * fit.beta;
      return Math.sqrt(1 + (h - 1) * (fit.alpha * fit.alpha + fit.alpha * b * h + b * b * h * (2 * h - 1) / 6));
    };
  }
  const features = { method, alpha, beta, n_points: n, sigma, strength };
  const rows = [];
  for (let h = 1; h <= HORIZON; h++) {
    const p = point(h), sp = sigma * spread(h);
    for (const [level, z] of LEVELS) {
      rows.push({
        keyword, prediction_date: predictionDate, predicted_for_date: formatDay(s.last + h), predicted_score: toScore(p),
        confidence_interval: `[${toScore(p - z * sp).toFixed(2)},${toScore(p + z * sp).toFixed(2)}]`,
        confidence_level: level, model_version: MODEL_VERSION, features_used: features,
      });
    }
  }
  return rows;
}

/** Same contract as the wasm export `plan_for_backtest(delivery_json, now_secs)`. */
export function planForBacktest(deliveryJson: string, now: number): string {
  let delivery: Delivery;
  try {
    delivery = parseDelivery(deliveryJson);
  } catch (e) {
    const err = e instanceof PlanError ? e : new PlanError("internal_error", String(e));
    return JSON.stringify({ error: { code: err.code, message: err.message, field: err.field } });
  }
  const today = dayOf(now), predictionDate = formatDay(today);
  const latest = new Map<string, Change>();
  for (const c of delivery.keywords) {
    const kept = latest.get(c.keyword);
    if (!kept || c.outbox_id > kept.outbox_id) latest.set(c.keyword, c);
  }
  const predictions = [], actualScores = [];
  for (const keyword of [...latest.keys()].sort()) {
    const c = latest.get(keyword)!;
    const current = c.trend_score === null ? null : { at: delivery.sent_at, score: c.trend_score };
    const strength = current ? assess(c.history, current) : null;
    const obs = current ? [...c.history, current] : c.history;
    const series = dailySeries(obs, current ? today : -Infinity);
    if (series) {
      if (c.trend_score !== null && (c.valid_until === null || c.valid_until > now)) {
        predictions.push(...forecastRows(keyword, series, strength, predictionDate));
      }
      series.values.forEach((v, i) => {
        const day = series.first + i;
        if (day >= today - BACKFILL_DAYS && day < today) actualScores.push({ keyword, date: formatDay(day), actual_score: v });
      });
    }
  }
  const acks = [...new Set(delivery.keywords.map((c) => c.outbox_id))].sort((a, b) => a - b);
  return JSON.stringify({
    delivery_id: delivery.delivery_id, prediction_date: predictionDate, predictions, actual_scores: actualScores,
    rank_updates: [], acknowledged_outbox_ids: acks,
    summary: { keywords_processed: latest.size, predictions_written: predictions.length, mappings_reranked: 0, actuals_backfilled: actualScores.length },
  });
}
