// The one piece of TypeScript every function shares: instantiate the embedded wasm once,
// hand each request to the Rust `handle` export, turn its Reply into a Response.
// A panic in Rust traps the instance (WebAssembly.RuntimeError): we log it, answer 500
// `internal_error`, and re-instantiate so later requests are served by a clean instance.

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

export function serveWasm(mod: WasmFunction, wasmBase64: string, envNames: string[]) {
  const module = new WebAssembly.Module(bytesFromBase64(wasmBase64));
  const envJson = JSON.stringify(Object.fromEntries(envNames.map((n) => [n, Deno.env.get(n) ?? ""])));
  const start = () => {
    mod.initSync({ module });
    mod.configure(envJson);
  };
  start();

  return {
    async fetch(req: Request): Promise<Response> {
      if (req.method === "OPTIONS") return new Response("ok", { headers: CORS_HEADERS });
      const body = new Uint8Array(await req.arrayBuffer());
      const headers = JSON.stringify(Object.fromEntries(req.headers));
      let reply: Reply;
      try {
        reply = await mod.handle(req.method, headers, body);
      } catch (err) {
        const requestId = crypto.randomUUID();
        console.error(`[${requestId}] wasm trapped; re-instantiating:`, err);
        mod.__wbg_reset_state?.();
        start();
        return new Response(
          JSON.stringify({ error: { code: "internal_error", message: `internal error (request ${requestId})` } }),
          { status: 500, headers: JSON_HEADERS },
        );
      }
      const headersOut: Record<string, string> = { ...JSON_HEADERS };
      if (reply.retryAfter !== undefined) headersOut["retry-after"] = String(reply.retryAfter);
      const res = new Response(reply.body, { status: reply.status, headers: headersOut });
      reply.free();
      return res;
    },
  };
}
