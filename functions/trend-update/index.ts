// trend-update: called by the database (pg_net) with a Standard-Webhooks-signed delivery.
// All logic is in Rust (src/); this file only wires the runtime to it.
import * as wasm from "../../pkg/trend-update/trend_update.js";
import { wasmBase64 } from "../../pkg/trend-update/wasm_base64.js";
import { serveWasm } from "../_shared/serve_wasm.ts";

export default serveWasm(wasm, wasmBase64, [
  "SUPABASE_URL",
  "SUPABASE_SERVICE_ROLE_KEY",
  "TREND_WEBHOOK_SECRET",
  "EDGE_TEST_PANICS",
]);
