// feedback-ingest: app clients post events with the signed-in user's JWT (verify_jwt = true).
// All logic is in Rust (src/); this file only wires the runtime to it.
import * as wasm from "../../pkg/feedback-ingest/feedback_ingest.js";
import { wasmBase64 } from "../../pkg/feedback-ingest/wasm_base64.js";
import { serveWasm } from "../_shared/serve_wasm.ts";

export default serveWasm(wasm, wasmBase64, ["SUPABASE_URL", "SUPABASE_ANON_KEY", "EDGE_TEST_PANICS"]);
