// Local API gateway (Kong + the edge runtime's main worker on Supabase). Local only.
//   /rest/v1/*            -> the PostgREST-compatible API (postrust), prefix stripped
//   /functions/v1/<slug>  -> that function's Deno server; when [functions.<slug>] verify_jwt is
//                            true, a missing or badly signed/expired JWT gets 401 before the
//                            function runs, as on the platform.
//   /health               -> 200 once the gateway is up
// It also papers over two documented postrust gaps (README.md, "The local stack"): quoted `columns=`
// lists (sent by postgrest-js) are unquoted, and an RLS denial (42501) for a non-anon role is
// answered 403 like PostgREST (postrust says 401).

const port = Number(Deno.env.get("GATEWAY_PORT") ?? "54321");
const restUpstream = Deno.env.get("GATEWAY_REST_UPSTREAM") ?? "http://127.0.0.1:54331";
const functions: Record<string, { port: number; verify_jwt: boolean }> = JSON.parse(
  Deno.env.get("GATEWAY_FUNCTIONS") ?? "{}",
);
const jwtSecret = Deno.env.get("GATEWAY_JWT_SECRET") ?? "";

const encoder = new TextEncoder();
const hmacKey = await crypto.subtle.importKey(
  "raw",
  encoder.encode(jwtSecret),
  { name: "HMAC", hash: "SHA-256" },
  false,
  ["verify"],
);

function b64urlDecode(s: string): Uint8Array {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(s.length / 4) * 4, "=");
  const bin = atob(b64);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

type Claims = { role?: string; exp?: number; [k: string]: unknown };

/** Verifies an HS256 JWT; returns its claims or null. Rejects alg "none" and other algs. */
export async function verifyJwt(token: string): Promise<Claims | null> {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(new TextDecoder().decode(b64urlDecode(parts[0])));
    if (header.alg !== "HS256") return null;
    const ok = await crypto.subtle.verify(
      "HMAC",
      hmacKey,
      b64urlDecode(parts[2]),
      encoder.encode(`${parts[0]}.${parts[1]}`),
    );
    if (!ok) return null;
    const claims: Claims = JSON.parse(new TextDecoder().decode(b64urlDecode(parts[1])));
    if (typeof claims.exp === "number" && claims.exp < Date.now() / 1000) return null;
    return claims;
  } catch {
    return null;
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function bearer(req: Request): string | null {
  const auth = req.headers.get("authorization");
  const m = auth?.match(/^Bearer\s+(.+)$/i);
  return m ? m[1].trim() : null;
}

async function proxy(req: Request, target: string, headers: Headers): Promise<Response> {
  try {
    return await fetch(target, {
      method: req.method,
      headers,
      body: req.body,
      redirect: "manual",
    });
  } catch (err) {
    return json(502, { message: `upstream unavailable: ${err}` });
  }
}

function unquoteColumns(url: URL) {
  const columns = url.searchParams.get("columns");
  if (columns && columns.includes('"')) {
    url.searchParams.set("columns", columns.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1")).join(","));
  }
}

async function rest(req: Request, url: URL): Promise<Response> {
  const headers = new Headers(req.headers);
  // Kong forwards the apikey as the bearer token when the client sent none.
  if (!headers.has("authorization") && headers.get("apikey")) {
    headers.set("authorization", `Bearer ${headers.get("apikey")}`);
  }
  const upstream = new URL(url.pathname.replace(/^\/rest\/v1/, "") || "/", restUpstream);
  unquoteColumns(url);
  upstream.search = url.search;
  const res = await proxy(req, upstream.toString(), headers);
  if (res.status === 401) {
    const text = await res.text();
    const token = bearer(req) ?? headers.get("apikey");
    const claims = token ? await verifyJwt(token) : null;
    let status = 401;
    try {
      if (JSON.parse(text).code === "42501" && claims && claims.role !== "anon") status = 403;
    } catch { /* not JSON: keep 401 */ }
    return new Response(text, { status, headers: res.headers });
  }
  return res;
}

async function fn(req: Request, url: URL): Promise<Response> {
  const [, , , slug] = url.pathname.split("/");
  const route = functions[slug];
  if (!route) return json(404, { code: "NOT_FOUND", message: "Requested function was not found" });
  if (route.verify_jwt && req.method !== "OPTIONS") {
    const token = bearer(req);
    if (!token) return json(401, { code: "UNAUTHORIZED_NO_AUTH_HEADER", message: "Missing authorization header" });
    if (!(await verifyJwt(token))) return json(401, { code: "UNAUTHORIZED_INVALID_JWT_FORMAT", message: "Invalid JWT" });
  }
  const upstream = new URL(url.pathname + url.search, `http://127.0.0.1:${route.port}`);
  const headers = new Headers(req.headers);
  headers.set("x-forwarded-host", url.host);
  return await proxy(req, upstream.toString(), headers);
}

Deno.serve({ port, hostname: "127.0.0.1", onListen: () => console.log(`gateway on :${port}`) }, (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return json(200, { ok: true });
  if (url.pathname.startsWith("/rest/v1")) return rest(req, url);
  if (url.pathname.startsWith("/functions/v1/")) return fn(req, url);
  return json(404, { message: "no route" });
});
