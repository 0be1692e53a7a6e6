// The shared glue with a stand-in wasm module: a trap (Rust panic) inside a microtask, as
// wasm-bindgen-futures runs the async handler, must not end the process; the trapping request
// and every request the dead instance was serving get 500 internal_error, the panic is logged
// with their request ids, the instance is reset and re-configured, and the next request is
// served. Oversize bodies are refused unread; every fetch gets a timeout; nothing hangs.
import assert from "node:assert/strict";
import type { Reply, WasmFunction } from "./serve_wasm.ts";

// Short bounds for this file only (read once when serve_wasm.ts is imported).
Deno.env.set("EDGE_UPSTREAM_TIMEOUT_MS", "200");
const { serveWasm, MAX_READ_BYTES, REQUEST_DEADLINE_MS } = await import("./serve_wasm.ts");
Deno.env.delete("EDGE_UPSTREAM_TIMEOUT_MS");

const g = globalThis as { __edgeLastPanic?: string };
const never = new Promise<Reply>(() => {});

class FakeWasm implements WasmFunction {
  instance = 0;
  configured = 0;
  calls = 0;
  initSync() {}
  configure() {
    this.configured++;
  }
  __wbg_reset_state() {
    this.instance++;
  }
  handle(_method: string, headersJson: string): Promise<Reply> {
    this.calls++;
    const mode = JSON.parse(headersJson)["x-mode"];
    if (mode === "trap-now") throw new WebAssembly.RuntimeError("unreachable");
    if (mode === "trap-later") {
      // What a panic in a polled future looks like: the hook records, then the trap escapes
      // from a microtask, and the handler's promise never settles.
      queueMicrotask(() => {
        g.__edgeLastPanic = "panicked at src/lib.rs:1:1:\nboom";
        throw new WebAssembly.RuntimeError("unreachable");
      });
      return never;
    }
    if (mode === "pending") return never;
    const body = JSON.stringify({ instance: this.instance });
    return Promise.resolve({ status: 200, body, retryAfter: undefined, free() {} });
  }
}

function setup() {
  const wasm = new FakeWasm();
  const server = serveWasm(wasm, "AGFzbQEAAAA=", []); // the empty module: "\0asm", version 1
  const call = async (mode?: string, body = "{}") => {
    const res = await server.fetch(new Request("http://local/fn", { method: "POST", headers: mode ? { "x-mode": mode } : {}, body }));
    return { status: res.status, json: await res.json(), retryAfter: res.headers.get("retry-after") };
  };
  return { wasm, call };
}

async function captureErrors<T>(f: () => Promise<T>): Promise<[T, string]> {
  const original = console.error;
  const lines: string[] = [];
  console.error = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  try {
    return [await f(), lines.join("\n")];
  } finally {
    console.error = original;
  }
}

Deno.test("a trap in a microtask: 500 internal_error for it and its in-flight neighbour; logged; next request served", async () => {
  const { wasm, call } = setup();
  const [[trapped, neighbour], log] = await captureErrors(async () => {
    const neighbour = call("pending");
    await new Promise((r) => setTimeout(r, 10));
    return [await call("trap-later"), await neighbour];
  });
  for (const r of [trapped, neighbour]) {
    assert.equal(r.status, 500);
    assert.equal(r.json.error.code, "internal_error");
    const id = r.json.error.message.match(/request ([0-9a-f-]{36})/)?.[1];
    assert.ok(id && log.includes(id), `the log names request ${id}: ${log}`);
  }
  assert.match(log, /boom/, "the panic message is logged");
  assert.equal(g.__edgeLastPanic, undefined, "the recorded message is consumed");
  assert.deepEqual([wasm.instance, wasm.configured], [1, 2], "reset once and configured again");
  const next = await call();
  assert.deepEqual([next.status, next.json], [200, { instance: 1 }]);
});

Deno.test("a trap thrown synchronously is handled the same way", async () => {
  const { wasm, call } = setup();
  const [r] = await captureErrors(() => call("trap-now"));
  assert.equal(r.status, 500);
  assert.equal(r.json.error.code, "internal_error");
  assert.equal(wasm.instance, 1);
  assert.equal((await call()).status, 200);
});

Deno.test("a request with no answer is 503 upstream_unavailable with Retry-After at the deadline", async () => {
  const { call } = setup();
  const started = performance.now();
  const [r] = await captureErrors(() => call("pending"));
  const took = performance.now() - started;
  assert.equal(r.status, 503);
  assert.equal(r.json.error.code, "upstream_unavailable");
  assert.equal(r.retryAfter, "1");
  assert.ok(took >= REQUEST_DEADLINE_MS - 20 && took < REQUEST_DEADLINE_MS + 1000, `${took} ms`);
});

Deno.test("a body over the read limit is 413 without reaching the handler", async () => {
  const { wasm, call } = setup();
  const r = await call(undefined, "x".repeat(MAX_READ_BYTES + 1));
  assert.equal(r.status, 413);
  assert.equal(r.json.error.code, "payload_too_large");
  assert.equal(wasm.calls, 0);
});

Deno.test("every fetch of the process times out (the API hangs: PostgreSQL away)", async () => {
  setup();
  let release = () => {};
  const released = new Promise<void>((r) => (release = r));
  const hang = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async () => {
    await released;
    return new Response("late");
  });
  try {
    const started = performance.now();
    await assert.rejects(fetch(`http://127.0.0.1:${hang.addr.port}/`), (e: Error) => e.name === "TimeoutError");
    assert.ok(performance.now() - started < 2000);
  } finally {
    release();
    await hang.shutdown();
  }
});
