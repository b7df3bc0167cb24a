import Layout from "../components/layout";
import type { ServedBy } from "../lib/backend-message";
import { getHomeServerSideProps, type HomeProps } from "../lib/home-props";

// Rendered per request so every page view goes through Service Connect to some backend task.
export const getServerSideProps = getHomeServerSideProps;

export default function Home(props: HomeProps) {
  return (
    <Layout title="Home">
      <h1>Hello from Next.js 👋</h1>
      {props.state === "ok" ? (
        <section className="card">
          <p className="label">The backend says</p>
          <p className="message" data-testid="backend-message">
            {props.message}
          </p>
          <ServedByLine servedBy={props.servedBy} />
        </section>
      ) : (
        <section className="card card-error" role="alert">
          <p className="message" data-testid="backend-error">
            {props.error}
          </p>
          <p className="hint">The backend did not answer; the server log has the cause.</p>
        </section>
      )}
    </Layout>
  );
}

function ServedByLine({ servedBy }: { readonly servedBy: ServedBy | null }) {
  if (servedBy === null) return null;
  if (servedBy.taskId !== undefined) {
    return (
      <p className="served-by" data-testid="served-by">
        Served by task <code>{servedBy.taskId}</code>
        {servedBy.availabilityZone ? <> in {servedBy.availabilityZone}</> : null}
      </p>
    );
  }
  return (
    <p className="served-by" data-testid="served-by">
      Served by <code>{servedBy.hostname ?? "unknown host"}</code>
      {servedBy.pid !== undefined ? <> (pid {servedBy.pid})</> : null}
    </p>
  );
}
