import { useEffect, useRef, useState } from "preact/hooks";
import type { RunEvent, RunStatus } from "../../api/control-plane-view.js";
import { logsOf } from "../view-model.js";

/** How many of the newest events the table shows. */
const EVENTS_SHOWN = 100;

/** Service events (deployments included), scaling activities and the live log tail. */
export function Activity(props: {
  readonly status: RunStatus;
  readonly events: readonly RunEvent[];
  readonly logs: readonly string[];
}) {
  const [service, setService] = useState("");
  const [paused, setPaused] = useState(false);
  // While paused the tail holds the lines it showed; new ones wait in the state.
  const [frozen, setFrozen] = useState<readonly string[]>([]);
  const tail = useRef<HTMLElement>(null);
  const lines = logsOf(paused ? frozen : props.logs, service);
  const events = props.events
    .filter((event) => service === "" || event.service === service)
    .slice(-EVENTS_SHOWN)
    .reverse();

  useEffect(() => {
    const element = tail.current;
    if (element !== null && !paused) element.scrollTop = element.scrollHeight;
  });

  return (
    <section id="activity" aria-labelledby="activity-title">
      <h2 id="activity-title">Events and logs</h2>
      <div class="controls">
        <label for="service-filter">Service</label>
        <select
          id="service-filter"
          value={service}
          onChange={(event) => setService(event.currentTarget.value)}
        >
          <option value="">All services</option>
          {props.status.services.map((entry) => (
            <option key={entry.name} value={entry.name}>
              {entry.name}
            </option>
          ))}
        </select>
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box takes the focus so the keyboard can scroll it */}
      <section class="table-scroll events" aria-labelledby="events-caption" tabIndex={0}>
        <table>
          <caption id="events-caption">
            Events and scaling activities, newest first (the last {EVENTS_SHOWN})
          </caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Service</th>
              <th scope="col">Kind</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {events.length === 0 ? (
              <tr>
                <td colSpan={4}>No event yet.</td>
              </tr>
            ) : (
              events.map((event, index) => (
                <tr key={`${event.at}|${index}`}>
                  <td>
                    <time dateTime={event.at}>{new Date(event.at).toLocaleTimeString()}</time>
                  </td>
                  <td>{event.service}</td>
                  <td>{event.kind === "scaling" ? "scaling activity" : "service event"}</td>
                  <td>{event.message}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </section>
      <h3 id="logs-title">Log tail</h3>
      <div class="controls">
        <button
          type="button"
          aria-pressed={paused}
          onClick={() => {
            setFrozen(props.logs);
            setPaused(!paused);
          }}
        >
          {paused ? "Resume log tail" : "Pause log tail"}
        </button>
        <span class="note">
          {lines.length} lines{service === "" ? "" : ` of ${service}`}
        </span>
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box takes the focus so the keyboard can scroll it */}
      <section ref={tail} class="log-tail" aria-labelledby="logs-title" tabIndex={0}>
        <pre role="log" aria-live="off">
          {lines.join("\n")}
        </pre>
      </section>
    </section>
  );
}
