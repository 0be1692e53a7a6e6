// Plain HTTP calls to the stack for the end-to-end tests, and `cargo xtask service` for
// fault injection.
import { stack } from "./stack.ts";

export interface Answer {
  status: number;
  text: string;
  // deno-lint-ignore no-explicit-any
  json: any;
  headers: Headers;
  ms: number;
}

/** A request to a function through the gateway; the body is sent byte for byte. */
export async function callFunction(
  slug: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array } = {},
): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(`${stack!.FUNCTIONS_URL}/${slug}`, {
    method: init.method ?? "POST",
    headers: init.headers ?? {},
    body: init.method === "GET" || init.method === "HEAD" ? undefined : init.body,
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: res.status, text, json, headers: res.headers, ms: performance.now() - started };
}

/** The error code of an answer: `error.code`, or the first per-event rejection's code. */
export function codeOf(a: Answer): string | undefined {
  return a.json?.error?.code ?? a.json?.rejected?.[0]?.code;
}

/** `cargo xtask service stop|start <name>` on the stack the tests run against. */
export async function xtaskService(action: "stop" | "start", name: string) {
  const out = await new Deno.Command("cargo", {
    args: ["xtask", "service", action, name],
    env: { STACK_NAME: Deno.env.get("STACK_NAME") ?? "test" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`xtask service ${action} ${name}: ${new TextDecoder().decode(out.stderr)}`);
}

/** The log file of a service of the stack the tests run against. */
export function serviceLog(name: string): string {
  const stackName = Deno.env.get("STACK_NAME") ?? "test";
  return new URL(`../../.stack/${stackName}/run/${name}.log`, import.meta.url).pathname;
}

export function servicePid(name: string): number {
  return Number(Deno.readTextFileSync(serviceLog(name).replace(/\.log$/, ".pid")).trim());
}
