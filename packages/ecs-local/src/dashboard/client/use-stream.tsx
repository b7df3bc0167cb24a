import { useEffect, useReducer, useState } from "preact/hooks";
import type { StreamMessage, StreamMessageType } from "../messages.js";
import { applyMessage, type DashboardState, EMPTY_STATE } from "../view-model.js";

const TYPES: readonly StreamMessageType[] = [
  "status",
  "usage",
  "traffic",
  "timeline",
  "events",
  "logs",
];

export type Connection = "connecting" | "live" | "reconnecting";

/**
 * The dashboard's state, fed by GET /v1/stream. EventSource reconnects by itself when the
 * stream drops; every connection starts with a full snapshot that replaces what the page had
 * (the traffic chart's history, kept only by the page, goes on).
 */
export function useStream(url: string): { state: DashboardState; connection: Connection } {
  const [state, dispatch] = useReducer(applyMessage, EMPTY_STATE);
  const [connection, setConnection] = useState<Connection>("connecting");
  useEffect(() => {
    const source = new EventSource(url);
    source.onopen = () => setConnection("live");
    source.onerror = () => setConnection("reconnecting");
    for (const type of TYPES) {
      source.addEventListener(type, (event: MessageEvent<string>) => {
        dispatch(JSON.parse(event.data) as StreamMessage);
      });
    }
    return () => source.close();
  }, [url]);
  return { state, connection };
}
