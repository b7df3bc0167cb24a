import type { ServerResponse } from "node:http";
import type { ControlPlaneView } from "../api/control-plane-view.js";
import { encodeMessage, type StreamMessage } from "./messages.js";
import { type SentUpTo, timelineSince } from "./timeline-delta.js";

/** Timings and sizes of one dashboard stream; every field has its default here. */
export interface DashboardStreamOptions {
  /** How often the status is compared with the last one sent. @default 200 */
  readonly statusCheckMs?: number;
  /** The status is sent at least this often, changed or not. @default 500 */
  readonly statusEveryMs?: number;
  /** How often usage, traffic and new timeline points are sent. @default 1000 */
  readonly samplesEveryMs?: number;
  /** How often buffered log lines are sent. @default 250 */
  readonly logsEveryMs?: number;
  /** Events and log lines sent on connect, the newest ones. @default 200 */
  readonly history?: number;
  /**
   * Bytes a client may fall behind before its stream is closed; the browser reconnects and
   * starts over from a fresh snapshot instead of the server holding an ever longer backlog.
   * @default 4 MiB
   */
  readonly maxBacklogBytes?: number;
}

const DEFAULTS: Required<DashboardStreamOptions> = {
  statusCheckMs: 200,
  statusEveryMs: 500,
  samplesEveryMs: 1000,
  logsEveryMs: 250,
  history: 200,
  maxBacklogBytes: 4 * 1024 * 1024,
};

/**
 * Serves GET /v1/stream: the dashboard's live feed as Server-Sent Events (see messages.ts).
 * On connect a full snapshot (status, usage, traffic, every timeline point, the recent events
 * and log lines), then changes as they happen. Runs until the client goes away or the server
 * closes its connections.
 */
export function streamDashboard(
  view: ControlPlaneView,
  res: ServerResponse,
  options: DashboardStreamOptions = {},
): void {
  const settings = { ...DEFAULTS, ...options };
  const cleanups: (() => void)[] = [];
  let closed = false;
  let lastStatus = "";
  let lastStatusAt = 0;
  let timelineSent: SentUpTo | undefined;
  let pendingLogs: string[] = [];

  const close = (): void => {
    if (closed) return;
    closed = true;
    for (const cleanup of cleanups) cleanup();
    res.end();
  };
  const send = (message: StreamMessage): void => {
    if (closed) return;
    res.write(encodeMessage(message));
    if (res.writableLength > settings.maxBacklogBytes) close();
  };
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

  const sendStatus = (force: boolean): void => {
    const status = view.status();
    const json = JSON.stringify(status);
    const now = Date.now();
    if (!force && json === lastStatus && now - lastStatusAt < settings.statusEveryMs) return;
    lastStatus = json;
    lastStatusAt = now;
    send({ type: "status", status });
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
    const lines = pendingLogs.slice(-settings.history);
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
    sendStatus(true);
    sendSamples();
    send({ type: "events", reset: true, events: view.events({}).slice(-settings.history) });
    send({ type: "logs", reset: true, lines: view.recentLogs({}).slice(-settings.history) });
    // History and subscription in one synchronous step: no event falls between them.
    cleanups.push(
      view.followEvents({}, (event) =>
        guarded(() => {
          send({ type: "events", reset: false, events: [event] });
          // An event usually means a change of status: send it now, not at the next check.
          sendStatus(false);
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
  every(settings.statusCheckMs, () => sendStatus(false));
  every(settings.samplesEveryMs, sendSamples);
  every(settings.logsEveryMs, flushLogs);
}
