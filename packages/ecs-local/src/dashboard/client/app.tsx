import { Activity } from "./activity.js";
import { CloudMap, Scaling } from "./scaling.js";
import { Services } from "./services.js";
import { Topology } from "./topology.js";
import { type Connection, useStream } from "./use-stream.js";

const SECTIONS = [
  ["topology", "Topology"],
  ["services", "Services and tasks"],
  ["cloud-map", "Cloud Map"],
  ["scaling", "Scaling timeline"],
  ["activity", "Events and logs"],
] as const;

const CONNECTION_TEXT: Readonly<Record<Connection, string>> = {
  connecting: "Connecting to the control plane…",
  live: "Live",
  reconnecting: "Connection lost; reconnecting…",
};

/** The dashboard: one page, its sections fed by the control plane's stream. */
export function App() {
  const { state, connection } = useStream("/v1/stream");
  const { status } = state;
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to the content
      </a>
      <header>
        <h1>ecs-local{status === undefined ? "" : `: ${status.stackName}`}</h1>
        <p class="note">
          {status === undefined
            ? ""
            : `Time scale ${status.timeScale}× (template timings divided by it). `}
          <span role="status" class={`connection ${connection}`}>
            {CONNECTION_TEXT[connection]}
          </span>
        </p>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map(([id, title]) => (
              <li key={id}>
                <a href={`#${id}`}>{title}</a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {status === undefined ? (
          <p>Waiting for the first status…</p>
        ) : (
          <>
            <Topology status={status} traffic={state.traffic} history={state.trafficHistory} />
            <Services status={status} usage={state.usage} />
            <CloudMap status={status} />
            <Scaling status={status} timeline={state.timeline} />
            <Activity status={status} events={state.events} logs={state.logs} />
          </>
        )}
      </main>
    </>
  );
}
