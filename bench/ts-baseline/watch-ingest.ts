// Benchmark baseline: functions/watch-ingest written in plain TypeScript (see ingest_core.ts).
import { type Fields, ingestFunction, planEvents, type Schema, SOURCE_KEYWORD } from "./ingest_core.ts";

const EVENT_TYPES = ["play", "pause", "seek", "end", "skip", "replay"] as const;
const MAX_VIDEO_SECONDS = 86_400;

export const watchSchema: Schema = {
  fields: ["session_id", "video_id", "event_type", "video_timestamp", "seek_from", "seek_to", "total_duration", "source_keyword"],
  read(f: Fields) {
    const session_id = f.requiredUuid("session_id");
    const video_id = f.requiredUuid("video_id");
    const event_type = f.requiredEnum("event_type", EVENT_TYPES);
    const video_timestamp = f.number("video_timestamp", true, 0, true, MAX_VIDEO_SECONDS);
    let seek_from: number | null = null, seek_to: number | null = null;
    if (event_type === "seek") {
      seek_from = f.number("seek_from", true, 0, true, MAX_VIDEO_SECONDS);
      seek_to = f.number("seek_to", true, 0, true, MAX_VIDEO_SECONDS);
    } else {
      for (const name of ["seek_from", "seek_to"]) f.requireAbsent(name, 'is only allowed when event_type is "seek"');
    }
    return {
      session_id, video_id, event_type, video_timestamp, seek_from, seek_to,
      total_duration: f.number("total_duration", false, 0, false, MAX_VIDEO_SECONDS),
      source_keyword: f.optionalText("source_keyword", SOURCE_KEYWORD),
    };
  },
};

export function plan(body: Uint8Array, nowMs: number): string {
  const p = planEvents(watchSchema, body, nowMs);
  return JSON.stringify({ events: p.rpcBody });
}

export default ingestFunction(watchSchema, "ingest_watch_events");
