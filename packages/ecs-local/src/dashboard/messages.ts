import type {
  RunEvent,
  RunStatus,
  TaskUsageView,
  TimelineView,
  TrafficView,
} from "../api/control-plane-view.js";

/**
 * What GET /v1/stream sends, one Server-Sent Event per message: the event name is `type`, the
 * data the JSON of the rest. Shared by the server (dashboard-stream.ts) and the page.
 */
export type StreamMessage =
  /** The whole status: on connect, on every change, and at least every half second. */
  | { readonly type: "status"; readonly status: RunStatus }
  | { readonly type: "usage"; readonly usage: readonly TaskUsageView[] }
  | { readonly type: "traffic"; readonly traffic: TrafficView }
  /**
   * Scaling timeline points: every stored point on connect (`reset`), then only the new ones,
   * which the page appends.
   */
  | { readonly type: "timeline"; readonly reset: boolean; readonly timeline: TimelineView }
  /**
   * Service events and scaling activities, oldest first: the recent ones on connect (`reset`:
   * they replace what the page had), then each new one.
   */
  | { readonly type: "events"; readonly reset: boolean; readonly events: readonly RunEvent[] }
  /** Log lines (`<service>/<task> | <line>`), oldest first: the recent ones (`reset`), then batches. */
  | { readonly type: "logs"; readonly reset: boolean; readonly lines: readonly string[] };

export type StreamMessageType = StreamMessage["type"];

/** The Server-Sent Events frame of a message. JSON has no raw newline, so one `data:` line. */
export function encodeMessage(message: StreamMessage): string {
  return `event: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`;
}
