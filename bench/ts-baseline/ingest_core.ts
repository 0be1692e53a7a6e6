// Benchmark baseline (not product code): the ingestion contract of crates/ingest written by
// hand in plain TypeScript, as a team would without the Rust core. Same rules, same batch
// limits, same single RPC through PostgREST, same response shape, so `cargo xtask bench`
// compares like with like (P3 cold start, P5 CPU per request and compute path).
//
// Where plain TypeScript does less than the Rust core, it is said here (the baseline then
// does less work, which only makes the comparison harder for Rust):
// * JSON.parse keeps the last of duplicate keys; the Rust core refuses duplicates. This
//   baseline does not look for them.
// * An event's size is measured on its re-serialised JSON (JSON.stringify), not on the raw
//   bytes as sent.

export const MAX_BODY_BYTES = 512 * 1024;
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_EVENTS_PER_BATCH = 500;
const MAX_FUTURE_MS = 60 * 60 * 1000;
const MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
const MAX_ECHO_CHARS = 64;

const STATUS: Record<string, number> = {
  method_not_allowed: 405, unsupported_media_type: 415, payload_too_large: 413, event_too_large: 413,
  malformed_json: 400, empty_batch: 400, batch_too_large: 413, validation_failed: 422, unknown_field: 422,
  missing_field: 422, invalid_type: 422, invalid_value: 422, missing_auth: 401, invalid_auth: 401,
  forbidden: 403, trial_limit_exceeded: 429, upstream_unavailable: 503, upstream_error: 502,
  config_missing: 500, internal_error: 500,
};

export class ApiError extends Error {
  constructor(public code: string, message: string, public field?: string, public retryAfter?: number) {
    super(message);
  }
  status(): number {
    return STATUS[this.code] ?? 500;
  }
  body(): string {
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.field !== undefined) error.field = this.field;
    return JSON.stringify({ error });
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = Record<string, Json>;

function kind(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "an array";
  switch (typeof v) {
    case "boolean": return "a boolean";
    case "number": return "a number";
    case "string": return "a string";
    default: return "an object";
  }
}

function shorten(text: string): string {
  const chars = Array.from(text);
  return chars.length > MAX_ECHO_CHARS ? chars.slice(0, MAX_ECHO_CHARS).join("") + "…" : text;
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Strict RFC 3339 with offset → unix ms (fractions truncated to ms), or null. */
export function parseRfc3339Ms(text: string): number | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 60) return null;
  const millis = m[7] ? Number((m[7] + "00").slice(0, 3)) : 0;
  let offset = 0;
  if (!m[8]) {
    const oh = Number(m[10]), om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offset = (m[9] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const ms = ((daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) - offset * 60) * 1000 + millis;
  return ms >= daysFromCivil(1, 1, 1) * 86400000 && ms <= MAX_MS ? ms : null;
}

export function formatMs(ms: number): string {
  return new Date(ms).toISOString();
}

/** Field path: `name` for a single event, `events[i].name` in a batch. */
function path(index: number | null, name: string): string {
  return index === null ? shorten(name) : `events[${index}].${shorten(name)}`;
}

export interface TextRule {
  maxChars: number;
  multiline: boolean;
  blankIsAbsent: boolean;
}
export const SOURCE_KEYWORD: TextRule = { maxChars: 100, multiline: false, blankIsAbsent: false };

/** Typed readers of one event object, as crates/ingest/src/fields.rs. */
export class Fields {
  constructor(private o: Obj, private index: number | null) {}

  err(code: string, name: string, message: string): ApiError {
    return new ApiError(code, message, path(this.index, name));
  }
  private value(name: string): Json | undefined {
    const v = this.o[name];
    return v === null ? undefined : v;
  }
  private string(name: string, v: Json): string {
    if (typeof v !== "string") throw this.err("invalid_type", name, `must be a string; got ${kind(v)}`);
    return v;
  }
  present(name: string): boolean {
    return this.value(name) !== undefined;
  }
  requiredUuid(name: string): string {
    const v = this.value(name);
    if (v === undefined) throw this.err("missing_field", name, "is required");
    return this.uuid(name, v);
  }
  optionalUuid(name: string): string | null {
    const v = this.value(name);
    return v === undefined ? null : this.uuid(name, v);
  }
  private uuid(name: string, v: Json): string {
    const s = this.string(name, v);
    if (!UUID.test(s)) throw this.err("invalid_value", name, "must be a UUID like 0b9d7c1e-4f2a-4c3b-9d8e-7f6a5b4c3d2e");
    return s.toLowerCase();
  }
  requiredTimestampMs(name: string): number {
    const v = this.value(name);
    if (v === undefined) throw this.err("missing_field", name, "is required");
    return this.timestamp(name, v);
  }
  optionalTimestampMs(name: string): number | null {
    const v = this.value(name);
    return v === undefined ? null : this.timestamp(name, v);
  }
  private timestamp(name: string, v: Json): number {
    const ms = parseRfc3339Ms(this.string(name, v));
    if (ms === null) {
      throw this.err("invalid_value", name,
        "must be an RFC 3339 timestamp with offset, like 2024-05-01T12:00:00.000Z (years 0001-9999)");
    }
    return ms;
  }
  requiredEnum(name: string, allowed: readonly string[]): string {
    const v = this.value(name);
    if (v === undefined) throw this.err("missing_field", name, "is required");
    return this.enumValue(name, v, allowed);
  }
  optionalEnum(name: string, allowed: readonly string[]): string | null {
    const v = this.value(name);
    return v === undefined ? null : this.enumValue(name, v, allowed);
  }
  private enumValue(name: string, v: Json, allowed: readonly string[]): string {
    const s = this.string(name, v);
    if (!allowed.includes(s)) throw this.err("invalid_value", name, `must be one of: ${allowed.join(", ")}; got "${shorten(s)}"`);
    return s;
  }
  optionalText(name: string, rule: TextRule): string | null {
    const v = this.value(name);
    if (v === undefined) return null;
    const s = this.string(name, v);
    for (const ch of s) {
      const c = ch.codePointAt(0)!;
      const control = c < 0x20 || (c >= 0x7f && c <= 0x9f);
      if (control && !(rule.multiline && (ch === "\n" || ch === "\t"))) {
        throw this.err("invalid_value", name, `must not contain the control character U+${c.toString(16).toUpperCase().padStart(4, "0")}`);
      }
    }
    const trimmed = s.trim();
    let length = 0;
    for (const _ of trimmed) length++;
    if (length === 0 && rule.blankIsAbsent) return null;
    if (length < 1 || length > rule.maxChars) {
      throw this.err("invalid_value", name, `must be 1 to ${rule.maxChars} characters after trimming; got ${length}`);
    }
    return trimmed;
  }
  optionalInteger(name: string, min: number, max: number): number | null {
    const v = this.value(name);
    if (v === undefined) return null;
    if (typeof v !== "number") throw this.err("invalid_type", name, `must be an integer; got ${kind(v)}`);
    // JSON.parse has lost the text: 3.0 and 3 are the same number here.
    if (!Number.isInteger(v)) throw this.err("invalid_type", name, `must be an integer; got ${v}`);
    if (v < min || v > max) throw this.err("invalid_value", name, `must be an integer from ${min} to ${max}`);
    return v;
  }
  number(name: string, required: boolean, min: number, minInclusive: boolean, max: number): number | null {
    const v = this.value(name);
    if (v === undefined) {
      if (required) throw this.err("missing_field", name, "is required");
      return null;
    }
    if (typeof v !== "number") throw this.err("invalid_type", name, `must be a number; got ${kind(v)}`);
    const ok = (minInclusive ? v >= min : v > min) && v <= max && Number.isFinite(v);
    if (!ok) throw this.err("invalid_value", name, `must be a number ${minInclusive ? ">=" : ">"} ${min} and <= ${max}`);
    return v + 0;
  }
  requireAbsent(name: string, reason: string) {
    if (this.value(name) !== undefined) throw this.err("validation_failed", name, reason);
  }
}

export interface Schema {
  /** The event type's own fields (besides event_id and occurred_at), in contract order. */
  fields: readonly string[];
  read(f: Fields): Record<string, unknown>;
}

export interface Rejection {
  index: number;
  event_id: string | null;
  code: string;
  field: string | null;
  message: string;
}

export interface Plan {
  rpcBody: Record<string, unknown>[];
  rejected: Rejection[];
  duplicatesInBatch: number;
  indexByEventId: Map<string, number>;
  single: boolean;
}

function rejection(index: number, eventId: string | null, e: unknown): Rejection {
  const err = e instanceof ApiError ? e : new ApiError("internal_error", String(e));
  return { index, event_id: eventId, code: err.code, field: err.field ?? null, message: err.message };
}

/** Body → plan, as crates/ingest/src/plan.rs (whole-request failures throw ApiError). */
export function planEvents(schema: Schema, body: Uint8Array, receivedAtMs: number): Plan {
  if (body.length > MAX_BODY_BYTES) {
    throw new ApiError("payload_too_large", `the body is ${body.length} bytes; at most ${MAX_BODY_BYTES} are accepted`);
  }
  let parsed: Json;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch (e) {
    throw new ApiError("malformed_json", `the body is not valid JSON: ${e instanceof Error ? e.message : e}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ApiError("invalid_type", `the body must be an event object or {"events": [...], "sent_at": "..."}; got ${kind(parsed)}`);
  }
  let events: Json[];
  let sentAtMs: number | null = null;
  const single = !("events" in parsed);
  if (single) {
    events = [parsed];
  } else {
    for (const key of Object.keys(parsed)) {
      if (key !== "events" && key !== "sent_at") {
        throw new ApiError("unknown_field",
          key === "user_id" ? "is not accepted: the user is taken from the access token" : "is not a field of this contract",
          shorten(key));
      }
    }
    const raw = parsed.events;
    if (!Array.isArray(raw)) throw new ApiError("invalid_type", `must be an array of event objects; got ${kind(raw)}`, "events");
    if (raw.length === 0) throw new ApiError("empty_batch", "the batch has no events", "events");
    if (raw.length > MAX_EVENTS_PER_BATCH) {
      throw new ApiError("batch_too_large", `a batch holds at most ${MAX_EVENTS_PER_BATCH} events; got ${raw.length}`, "events");
    }
    events = raw;
    sentAtMs = new Fields(parsed, null).optionalTimestampMs("sent_at");
  }

  const allowed = new Set(["event_id", "occurred_at", ...schema.fields]);
  const rpcBody: Record<string, unknown>[] = [];
  const rejected: Rejection[] = [];
  const indexByEventId = new Map<string, number>();
  let duplicatesInBatch = 0;
  events.forEach((event, index) => {
    const at = single ? null : index;
    let eventId: string | null = null;
    try {
      if (event === null || typeof event !== "object" || Array.isArray(event)) {
        const e = new ApiError("invalid_type", `must be a JSON object, got ${kind(event)}`);
        if (at !== null) e.field = `events[${at}]`;
        throw e;
      }
      const size = JSON.stringify(event).length;
      if (size > MAX_EVENT_BYTES) {
        const e = new ApiError("event_too_large", `the event is ${size} bytes; at most ${MAX_EVENT_BYTES} are accepted`);
        if (at !== null) e.field = `events[${at}]`;
        throw e;
      }
      if (typeof event.event_id === "string" && UUID.test(event.event_id)) eventId = event.event_id.toLowerCase();
      for (const key of Object.keys(event)) {
        if (!allowed.has(key)) {
          throw new ApiError("unknown_field",
            key === "user_id" ? "is not accepted: the user is taken from the access token" : "is not a field of this contract",
            path(at, key));
        }
      }
      const f = new Fields(event, at);
      const id = f.requiredUuid("event_id");
      const own = schema.read(f);
      const clientMs = f.requiredTimestampMs("occurred_at");
      let corrected = sentAtMs === null ? clientMs : receivedAtMs - (sentAtMs - clientMs);
      let clamped = false;
      if (corrected - receivedAtMs > MAX_FUTURE_MS) {
        corrected = receivedAtMs;
        clamped = true;
      } else if (receivedAtMs - corrected > MAX_AGE_MS) {
        throw f.err("invalid_value", "occurred_at", "is more than 7 days before the request was received (after clock-skew correction)");
      }
      if (indexByEventId.has(id)) {
        duplicatesInBatch++;
        return;
      }
      indexByEventId.set(id, index);
      rpcBody.push({
        event_id: id,
        ...own,
        occurred_at: formatMs(corrected),
        client_occurred_at: formatMs(clientMs),
        clamped,
      });
    } catch (e) {
      rejected.push(rejection(index, eventId, e));
    }
  });
  return { rpcBody, rejected, duplicatesInBatch, indexByEventId, single };
}

interface DbOutcome {
  accepted: number;
  duplicates: number;
  rejected?: { event_id: string; code: string; message: string; field?: string | null }[];
}

/** Plan + RPC outcome → (status, body), as crates/ingest/src/response.rs. */
export function buildResponse(plan: Plan, db: DbOutcome | null): { status: number; body: string } {
  let accepted = 0, duplicates = plan.duplicatesInBatch;
  const rejected = [...plan.rejected];
  if (db) {
    const counted = db.accepted + db.duplicates + (db.rejected?.length ?? 0);
    if (counted !== plan.indexByEventId.size) {
      throw new ApiError("upstream_error", `the ingestion RPC accounted for ${counted} events but ${plan.indexByEventId.size} were sent`);
    }
    accepted = db.accepted;
    duplicates += db.duplicates;
    for (const r of db.rejected ?? []) {
      const id = typeof r.event_id === "string" ? r.event_id.toLowerCase() : "";
      const index = plan.indexByEventId.get(id);
      if (index === undefined) throw new ApiError("upstream_error", "the ingestion RPC rejected an event_id that was not sent");
      const code = r.code in STATUS ? r.code : "internal_error";
      rejected.push({
        index, event_id: id, code, message: r.message,
        field: r.field ? (plan.single ? shorten(r.field) : `events[${index}].${shorten(r.field)}`) : null,
      });
    }
    rejected.sort((a, b) => a.index - b.index);
  }
  const status = rejected.length === 0 ? 200 : accepted === 0 && duplicates === 0 ? 400 : 207;
  return { status, body: JSON.stringify({ accepted, duplicates, rejected }) };
}

function isJsonUtf8(ct: string | null): boolean {
  if (!ct) return false;
  const [type, ...params] = ct.split(";");
  if (type.trim().toLowerCase() !== "application/json") return false;
  return params.every((p) => {
    const i = p.indexOf("=");
    if (i < 0) return false;
    let v = p.slice(i + 1).trim();
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    return p.slice(0, i).trim().toLowerCase() === "charset" && v.toLowerCase() === "utf-8";
  });
}

/** PostgREST error → taxonomy, as crates/edge/src/upstream.rs. */
function classify(status: number, text: string): ApiError {
  let err: { code?: string; message?: string; details?: string } = {};
  try {
    err = JSON.parse(text);
  } catch { /* not JSON */ }
  const code = err.code ?? "";
  const message = err.message ?? text.slice(0, 200);
  if (status === 503 || status === 504 || (status === 500 && ["PGRST000", "PGRST001", "PGRST002", "PGRST500", "57P01", "57P03", "08006", "08001"].includes(code))) {
    return new ApiError("upstream_unavailable", `the database is unavailable: ${message}`, undefined, 1);
  }
  if (code === "42501") return new ApiError("forbidden", `row-level security refused the write: ${message}`);
  if (status === 401) return new ApiError("invalid_auth", `the API rejected the credentials: ${message}`);
  if (code === "P0001" && message === "trial_limit_exceeded") {
    return new ApiError("trial_limit_exceeded", err.details ?? "trial users may record 50 video interactions per day");
  }
  return new ApiError("upstream_error", `the database API answered ${status} ${code}: ${message}`);
}

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "authorization, x-client-info, apikey, content-type",
  "access-control-allow-methods": "POST, OPTIONS",
};

/** A complete ingestion function: check → plan → one RPC as the user → response. */
export function ingestFunction(schema: Schema, rpc: string) {
  const url = (Deno.env.get("SUPABASE_URL") ?? "").replace(/\/$/, "");
  const anonKey = Deno.env.get("SUPABASE_ANON_KEY") ?? "";
  const respond = (status: number, body: string, retryAfter?: number) => {
    const headers: Record<string, string> = { "content-type": "application/json", ...CORS };
    if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
    return new Response(body, { status, headers });
  };
  return {
    async fetch(req: Request): Promise<Response> {
      if (req.method === "OPTIONS") return new Response("ok", { headers: CORS });
      try {
        if (req.method !== "POST") throw new ApiError("method_not_allowed", "only POST is allowed");
        if (!isJsonUtf8(req.headers.get("content-type"))) {
          throw new ApiError("unsupported_media_type", "Content-Type must be application/json (charset, if given, utf-8)");
        }
        const body = new Uint8Array(await req.arrayBuffer());
        if (body.length > MAX_BODY_BYTES) {
          throw new ApiError("payload_too_large", `the body is ${body.length} bytes; at most ${MAX_BODY_BYTES} are accepted`);
        }
        const auth = req.headers.get("authorization") ?? "";
        const jwt = (auth.startsWith("Bearer ") || auth.startsWith("bearer ")) ? auth.slice(7).trim() : "";
        if (!jwt) throw new ApiError("missing_auth", "Authorization: Bearer <user JWT> is required");
        if (!url || !anonKey) throw new ApiError("config_missing", "environment variable SUPABASE_URL is not set");
        const plan = planEvents(schema, body, Date.now());
        let db: DbOutcome | null = null;
        if (plan.indexByEventId.size > 0) {
          let res: Response;
          try {
            res = await fetch(`${url}/rest/v1/rpc/${rpc}`, {
              method: "POST",
              headers: { apikey: anonKey, authorization: `Bearer ${jwt}`, "content-type": "application/json" },
              body: JSON.stringify({ events: plan.rpcBody }),
            });
          } catch (e) {
            throw new ApiError("upstream_unavailable", `the database API is unreachable: ${e}`, undefined, 1);
          }
          const text = await res.text();
          if (!res.ok) throw classify(res.status, text);
          try {
            db = JSON.parse(text);
          } catch (e) {
            throw new ApiError("upstream_error", `the ingestion RPC returned an unexpected result: ${e}`);
          }
        }
        const out = buildResponse(plan, db);
        return respond(out.status, out.body);
      } catch (e) {
        const err = e instanceof ApiError ? e : new ApiError("internal_error", `internal error: ${e}`);
        return respond(err.status(), err.body(), err.retryAfter);
      }
    },
  };
}
