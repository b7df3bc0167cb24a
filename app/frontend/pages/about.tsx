import Layout from "../components/layout";

export default function About() {
  return (
    <Layout title="About">
      <h1>About</h1>
      <p>
        This Next.js frontend renders each page on the server. The home page asks the Fastify
        backend for a message at <code>http://backend-container.local:5000</code>, a name that
        exists only through ECS Service Connect: the Service Connect proxy next to each task routes
        it to a healthy backend task.
      </p>
      <p>
        Reload the home page a few times with more than one backend task running to see the requests
        spread across tasks.
      </p>
    </Layout>
  );
}
