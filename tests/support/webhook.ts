// Standard Webhooks signing for tests: the same scheme the database uses (pgcrypto hmac).
function b64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

export function secretBytes(secret: string): Uint8Array {
  return secret.startsWith("whsec_")
    ? Uint8Array.from(atob(secret.slice(6)), (c) => c.charCodeAt(0))
    : new TextEncoder().encode(secret);
}

export async function sign(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", secretBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return `v1,${b64(new Uint8Array(mac))}`;
}

/** Headers of a correctly signed delivery of `body` (timestamp = now unless given). */
export async function signedHeaders(
  secret: string,
  body: string,
  opts: { id?: string; timestamp?: number } = {},
): Promise<Record<string, string>> {
  const id = opts.id ?? crypto.randomUUID();
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await sign(secret, id, timestamp, body),
  };
}

/** Headers of a correctly signed delivery of raw `body` bytes (for bodies that are not UTF-8). */
export async function signedHeadersForBytes(
  secret: string,
  body: Uint8Array,
  opts: { id?: string; timestamp?: number } = {},
): Promise<Record<string, string>> {
  const id = opts.id ?? crypto.randomUUID();
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const key = await crypto.subtle.importKey("raw", secretBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
  const signedContent = new Uint8Array(prefix.length + body.length);
  signedContent.set(prefix);
  signedContent.set(body, prefix.length);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, signedContent));
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": `v1,${b64(mac)}`,
  };
}
