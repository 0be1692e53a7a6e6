// Benchmark baseline: functions/feedback-ingest written in plain TypeScript (see ingest_core.ts).
import { type Fields, ingestFunction, planEvents, type Schema, SOURCE_KEYWORD } from "./ingest_core.ts";

const FEEDBACK_TYPES = ["like", "dislike", "not_interested", "report"] as const;
const REASONS = ["irrelevant", "seen_too_many", "offensive", "quality", "other"] as const;

export const feedbackSchema: Schema = {
  fields: ["video_id", "feedback_type", "reason", "comment", "source_keyword", "position_in_list", "session_id"],
  read(f: Fields) {
    return {
      video_id: f.requiredUuid("video_id"),
      feedback_type: f.requiredEnum("feedback_type", FEEDBACK_TYPES),
      reason: f.optionalEnum("reason", REASONS),
      comment: f.optionalText("comment", { maxChars: 1000, multiline: true, blankIsAbsent: true }),
      source_keyword: f.optionalText("source_keyword", SOURCE_KEYWORD),
      position_in_list: f.optionalInteger("position_in_list", 0, 10_000),
      session_id: f.optionalUuid("session_id"),
    };
  },
};

/** The compute path alone (validation + RPC body), for the compute comparison. */
export function plan(body: Uint8Array, nowMs: number): string {
  const p = planEvents(feedbackSchema, body, nowMs);
  return JSON.stringify({ events: p.rpcBody });
}

export default ingestFunction(feedbackSchema, "ingest_feedback_events");
