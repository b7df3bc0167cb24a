import type { ServerResponse } from "node:http";
import type { ControlPlaneView } from "../api/control-plane-view.js";
import { encodeMessage, type StreamMessage } from "./messages.js";
import { type SentUpTo, timelineSince } from "./timeline-delta.js";

/** Timings and sizes of a dashboard stream. */
const SETTINGS = {
  /** How often the status is compared with the last one sent; it is sent when it changed. */
  statusCheckMs: 200,
  /** How often usage, traffic and new timeline points are sent. */
  samplesEveryMs: 1000,
  /** How often buffered log lines are sent. */
  logsEveryMs: 250,
  /** Events and log lines sent on connect, the newest ones. */
  history: 200,
  /**
   * Bytes a client may fall behind before its stream is closed; the browser reconnects and
   * starts over from a fresh snapshot instead of the server holding an ever longer backlog.
   */
  maxBacklogBytes: 4 * 1024 * 1024,
} as const;

/**
 * Serves GET /v1/stream: the dashboard's live feed as Server-Sent Events (see messages.ts).
 * On connect a full snapshot (status, usage, traffic, every timeline point, the recent events
 * and log lines), then changes as they happen. Runs until the client goes away or the server
 * closes its connections.
 */
export function streamDashboard(view: ControlPlaneView, res: ServerResponse): void {
  const cleanups: (() => void)[] = [];
  let closed = false;
  let lastStatusFrame = "";
  let timelineSent: SentUpTo | undefined;
  let pendingLogs: string[] = [];

  const close = (): void => {
    if (closed) return;
    closed = true;
    for (const cleanup of cleanups) cleanup();
    res.end();
  };
  const write = (frame: string): void => {
    if (closed) return;
    res.write(frame);
    if (res.writableLength > SETTINGS.maxBacklogBytes) close();
  };
  const send = (message: StreamMessage): void => write(encodeMessage(message));
  // A view call that throws ends this stream (the browser reconnects) rather than the server.
  const guarded =
    (step: () => void): (() => void) =>
    () => {
      try {
        step();
      } catch {
        close();
      }
    };

  // Sent when it differs from the last one sent: the page keeps what it has until then.
  const sendStatus = (): void => {
    const frame = encodeMessage({ type: "status", status: view.status() });
    if (frame === lastStatusFrame) return;
    lastStatusFrame = frame;
    write(frame);
  };
  const sendSamples = (): void => {
    send({ type: "usage", usage: view.usage() });
    send({ type: "traffic", traffic: view.traffic() });
    // The first send has every stored point and replaces whatever the page had.
    const reset = timelineSent === undefined;
    const { delta, sent } = timelineSince(view.timeline(), timelineSent ?? new Map());
    timelineSent = sent;
    if (reset || delta.services.length > 0) send({ type: "timeline", reset, timeline: delta });
  };
  const flushLogs = (): void => {
    if (pendingLogs.length === 0) return;
    const lines = pendingLogs.slice(-SETTINGS.history);
    pendingLogs = [];
    send({ type: "logs", reset: false, lines });
  };

  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
  });
  // EventSource reconnects after this many milliseconds when the stream ends.
  res.write("retry: 1000\n\n");
  res.on("close", close);

  guarded(() => {
    sendStatus();
    sendSamples();
    send({ type: "events", reset: true, events: view.events({}).slice(-SETTINGS.history) });
    send({ type: "logs", reset: true, lines: view.recentLogs({}).slice(-SETTINGS.history) });
    // History and subscription in one synchronous step: no event falls between them.
    cleanups.push(
      view.followEvents({}, (event) =>
        guarded(() => {
          send({ type: "events", reset: false, events: [event] });
          // An event usually means a change of status: send it now, not at the next check.
          sendStatus();
        })(),
      ),
      view.followLogs({}, (line) => {
        pendingLogs.push(line);
      }),
    );
  })();
  if (closed) return;

  const every = (ms: number, step: () => void): void => {
    const timer = setInterval(guarded(step), ms);
    cleanups.push(() => clearInterval(timer));
  };
  every(SETTINGS.statusCheckMs, sendStatus);
  every(SETTINGS.samplesEveryMs, sendSamples);
  every(SETTINGS.logsEveryMs, flushLogs);
}
