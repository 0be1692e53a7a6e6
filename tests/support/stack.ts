// What `cargo xtask test` tells the end-to-end tests about the isolated stack it started.
import postgres from "postgres";

export interface StackStatus {
  API_URL: string;
  DB_URL: string;
  ANON_KEY: string;
  SERVICE_ROLE_KEY: string;
  JWT_SECRET: string;
  FUNCTIONS_URL: string;
}

const raw = Deno.env.get("STACK_STATUS");
/** Undefined when the tests run without a stack (then e2e tests are reported as ignored). */
export const stack: StackStatus | undefined = raw ? JSON.parse(raw) : undefined;
export const webhookSecret = Deno.env.get("STACK_WEBHOOK_SECRET") ?? "";

/** A connection as the migration role `postgres` (the owner, as on Supabase). */
export function ownerDb() {
  if (!stack) throw new Error("no stack");
  return postgres(stack.DB_URL, { max: 2, onnotice: () => {} });
}

/** HS256 JWT for a user, signed with the stack's JWT secret (as GoTrue would issue it). */
export async function userJwt(sub: string, extra: Record<string, unknown> = {}, secret = stack?.JWT_SECRET ?? "") {
  const enc = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub, role: "authenticated", aud: "authenticated", iat: now, exp: now + 3600, ...extra };
  const input = `${enc({ alg: "HS256", typ: "JWT" })}.${enc(claims)}`;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(input)));
  const sig64 = btoa(String.fromCharCode(...sig)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${input}.${sig64}`;
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
