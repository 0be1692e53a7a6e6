// The one piece of TypeScript every function shares: instantiate the embedded wasm once,
// hand each request to the Rust `handle` export, turn its Reply into a Response.
//
// Two guards keep a function answering whatever happens inside it:
// - Panics. With `panic = "abort"` a Rust panic traps the instance (WebAssembly.RuntimeError).
//   `handle` is async, so the trap is thrown from a microtask of wasm-bindgen-futures, not
//   from the call we await: unguarded it is an uncaught error that ends the process. We
//   catch it on `globalThis` ("error"/"unhandledrejection"), log the panic message (recorded
//   by the Rust panic hook, edge::host::install_panic_hook) with the request ids, reset the
//   wasm-bindgen state, re-instantiate and re-configure, and answer every request the dead
//   instance was serving with 500 `internal_error`. Later requests get a clean instance.
// - Hangs. The Rust side reaches the API with reqwest → `fetch`, which has no timeout: a
//   hung API (PostgREST up, PostgreSQL away) would hang the function. Every `fetch` of the
//   process gets `AbortSignal.timeout(UPSTREAM_TIMEOUT_MS)` (headers and body), which the Rust
//   side maps to 503 `upstream_unavailable` + Retry-After; a request that still has no answer
//   after REQUEST_DEADLINE_MS is answered 503 too.
//
// Test-only: with EDGE_TEST_PANICS=1 in the environment (set by the local *test* stack only,
// never in production) a request carrying `x-test-panic: 1` panics inside Rust on purpose.

export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly retryAfter: number | undefined;
  free(): void;
}

export interface WasmFunction {
  initSync(options: { module: BufferSource | WebAssembly.Module }): unknown;
  configure(envJson: string): void;
  handle(method: string, headersJson: string, body: Uint8Array): Promise<Reply>;
  __wbg_reset_state?: () => void;
}

/** Bound on one API call (connect, headers and body) made from inside the wasm. */
export const UPSTREAM_TIMEOUT_MS = positive(Deno.env.get("EDGE_UPSTREAM_TIMEOUT_MS")) ?? 10_000;
/** Bound on a whole request (trend-update makes two API calls in sequence): never hang. */
export const REQUEST_DEADLINE_MS = Math.round(2.5 * UPSTREAM_TIMEOUT_MS);
/** Retry-After of the 503s answered here (as crates/edge/src/upstream.rs RETRY_AFTER_SECS). */
const RETRY_AFTER_SECS = 1;
/** Bytes read from a request at most, above every function's own limit (512 KiB): a larger
 * body is refused with 413 without being held in memory. */
export const MAX_READ_BYTES = 1024 * 1024;
/** Past this, an oversize body is no longer drained: the connection is dropped. */
const MAX_DRAIN_BYTES = 16 * MAX_READ_BYTES;

function positive(text: string | undefined): number | undefined {
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** base64 -> bytes without atob's string detour (Deno 2.1 has no Uint8Array.fromBase64). */
export function bytesFromBase64(b64: string): Uint8Array {
  const table = new Uint8Array(128);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  let len = b64.length;
  while (len > 0 && b64[len - 1] === "=") len--;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let o = 0;
  for (let i = 0; i < len; i += 4) {
    const a = table[b64.charCodeAt(i)], b = table[b64.charCodeAt(i + 1)];
    const c = i + 2 < len ? table[b64.charCodeAt(i + 2)] : 0, d = i + 3 < len ? table[b64.charCodeAt(i + 3)] : 0;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    if (i + 2 < len) out[o++] = (n >> 8) & 255;
    if (i + 3 < len) out[o++] = n & 255;
  }
  return out;
}

// Browsers call the ingestion functions directly (supabase-js `functions.invoke`).
const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "authorization, x-client-info, apikey, content-type",
  "access-control-allow-methods": "POST, OPTIONS",
};
const JSON_HEADERS = { "content-type": "application/json", ...CORS_HEADERS };

function errorResponse(status: number, code: string, message: string, retryAfter?: number): Response {
  const headers: Record<string, string> = { ...JSON_HEADERS };
  if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
  return new Response(JSON.stringify({ error: { code, message } }), { status, headers });
}

let fetchBounded = false;
/** Gives every fetch of this process (reqwest's, from the wasm) a timeout. */
function boundFetch() {
  if (fetchBounded) return;
  fetchBounded = true;
  const unbounded = globalThis.fetch;
  globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const timeout = AbortSignal.timeout(UPSTREAM_TIMEOUT_MS);
    const own = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    return unbounded(input, { ...init, signal: own ? AbortSignal.any([own, timeout]) : timeout });
  };
}

/** A panic (trap) of the wasm instance, or a late callback into an instance we replaced. */
function isWasmFailure(err: unknown): boolean {
  return err instanceof WebAssembly.RuntimeError ||
    (err instanceof Error && err.message.includes("from previous WASM instance")) ||
    (err instanceof Error && err.message.includes("stale object from previous Wasm instance"));
}

type Pending = { generation: number; settle: (res: Response) => void };

/** The body, or null when it is over MAX_READ_BYTES. The excess is read and dropped (up to
 * MAX_DRAIN_BYTES) so the sender sees a clean 413 rather than a broken connection. */
async function readBody(req: Request): Promise<Uint8Array | null> {
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body) {
    size += chunk.byteLength;
    if (size > MAX_DRAIN_BYTES) return null; // leaving the loop cancels the stream
    if (size <= MAX_READ_BYTES) chunks.push(chunk);
  }
  if (size > MAX_READ_BYTES) return null;
  const body = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.byteLength;
  }
  return body;
}

export function serveWasm(mod: WasmFunction, wasmBase64: string, envNames: string[]) {
  const module = new WebAssembly.Module(bytesFromBase64(wasmBase64));
  const envJson = JSON.stringify(Object.fromEntries(envNames.map((n) => [n, Deno.env.get(n) ?? ""])));
  const start = () => {
    mod.initSync({ module });
    mod.configure(envJson);
  };
  start();
  boundFetch();

  // Requests in progress, by request id, with the instance generation serving them.
  const pending = new Map<string, Pending>();
  let generation = 0;

  /** The instance trapped: log, replace it, fail what it was serving. */
  const recover = (err: unknown) => {
    const g = globalThis as { __edgeLastPanic?: string };
    const panic = g.__edgeLastPanic;
    delete g.__edgeLastPanic;
    const dead = generation++;
    const lost = [...pending].filter(([, p]) => p.generation === dead).map(([id]) => id);
    console.error(
      `wasm panic; re-instantiating. requests [${lost.join(", ")}]: ${panic ?? "(no panic message)"} (${err})`,
    );
    mod.__wbg_reset_state?.();
    start();
    for (const id of lost) {
      pending.get(id)?.settle(errorResponse(500, "internal_error", `internal error (request ${id})`));
      pending.delete(id);
    }
  };
  const onError = (e: ErrorEvent) => {
    if (!isWasmFailure(e.error)) return;
    e.preventDefault();
    if (e.error instanceof WebAssembly.RuntimeError) recover(e.error);
  };
  const onRejection = (e: PromiseRejectionEvent) => {
    if (!isWasmFailure(e.reason)) return;
    e.preventDefault();
    if (e.reason instanceof WebAssembly.RuntimeError) recover(e.reason);
  };
  globalThis.addEventListener("error", onError);
  globalThis.addEventListener("unhandledrejection", onRejection);

  return {
    async fetch(req: Request): Promise<Response> {
      if (req.method === "OPTIONS") return new Response("ok", { headers: CORS_HEADERS });
      const body = await readBody(req);
      if (body === null) {
        return errorResponse(413, "payload_too_large", `the body is over ${MAX_READ_BYTES} bytes`);
      }
      const headers = JSON.stringify(Object.fromEntries(req.headers));
      const requestId = crypto.randomUUID();
      let timer: number | undefined;
      const answer = new Promise<Response>((settle) => {
        pending.set(requestId, { generation, settle });
        timer = setTimeout(() => {
          console.error(`[${requestId}] no answer within ${REQUEST_DEADLINE_MS} ms; answering 503`);
          settle(errorResponse(503, "upstream_unavailable", `no answer within ${REQUEST_DEADLINE_MS} ms (request ${requestId})`, RETRY_AFTER_SECS));
        }, REQUEST_DEADLINE_MS);
        let call: Promise<Reply>;
        try {
          call = mod.handle(req.method, headers, body);
        } catch (err) {
          // A trap before the first await (synchronous part of the call).
          if (err instanceof WebAssembly.RuntimeError) return recover(err);
          console.error(`[${requestId}] handler threw:`, err);
          return settle(errorResponse(500, "internal_error", `internal error (request ${requestId})`));
        }
        call.then((reply) => {
          const out: Record<string, string> = { ...JSON_HEADERS };
          if (reply.retryAfter !== undefined) out["retry-after"] = String(reply.retryAfter);
          const res = new Response(reply.body, { status: reply.status, headers: out });
          reply.free();
          settle(res);
        }, (err) => {
          if (err instanceof WebAssembly.RuntimeError) return recover(err);
          console.error(`[${requestId}] handler rejected:`, err);
          settle(errorResponse(500, "internal_error", `internal error (request ${requestId})`));
        });
      });
      try {
        return await answer;
      } finally {
        clearTimeout(timer);
        pending.delete(requestId);
      }
    },
  };
}
