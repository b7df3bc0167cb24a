import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { type TestContext, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { json, listen, unusedPort } from "./local-server";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const serverJs = join(packageDir, ".next", "standalone", "server.js");
const nextBin = join(packageDir, "node_modules", "next", "dist", "bin", "next");

// Builds the real app and runs the server the Dockerfile runs, so a broken `output: "standalone"`,
// a page that throws during SSR, or an env var read at build time instead of per request shows up
// here rather than in a deployed task.
test("next build produces a standalone server that renders the backend's answer", {
  timeout: 300_000,
}, async (t) => {
  const build = spawn(process.execPath, [nextBin, "build"], {
    cwd: packageDir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => stop(build));
  const output = collect(build);
  const [code] = await once(build, "exit");
  assert.equal(code, 0, `next build failed:\n${output()}`);
  assert.ok(existsSync(serverJs), `${serverJs} missing after build`);

  await t.test("with a reachable backend", async (t) => {
    const servedBy = {
      taskId: "task-0f1e2d3c",
      taskArn: "arn:task/task-0f1e2d3c",
      availabilityZone: "us-east-1b",
    };
    const backendUrl = await listen(t, json(200, { message: "Hello from Fastify!", servedBy }));
    const { url } = await startStandalone(t, backendUrl);

    const response = await fetch(`${url}/`);
    const html = await response.text();

    assert.equal(response.status, 200);
    assert.match(html, /Hello from Fastify!/);
    assert.match(html, /task-0f1e2d3c/);
    assert.equal(response.headers.get("x-powered-by"), null);

    const about = await fetch(`${url}/about`);
    assert.equal(about.status, 200);
    await about.arrayBuffer();
  });

  await t.test("with nothing listening at BACKEND_URL", async (t) => {
    const backendUrl = `http://127.0.0.1:${await unusedPort()}`;
    const { url, output } = await startStandalone(t, backendUrl);

    const response = await fetch(`${url}/`);
    const html = await response.text();

    assert.equal(response.status, 200);
    assert.match(html, /Failed to fetch data/);
    // The operator's only clue is the server log: it must name the URL and the socket error.
    assert.ok(output().includes(`${backendUrl}/api/message`), output());
    assert.match(output(), /ECONNREFUSED/);
  });
});

/** Starts `.next/standalone/server.js` as the container would and waits until it answers. */
async function startStandalone(
  t: TestContext,
  backendUrl: string,
): Promise<{ url: string; output: () => string }> {
  const port = await unusedPort();
  const child = spawn(process.execPath, [serverJs], {
    cwd: dirname(serverJs),
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      BACKEND_URL: backendUrl,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => stop(child));
  const output = collect(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) assert.fail(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${url}/about`);
      await response.arrayBuffer();
      if (response.ok) return { url, output };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) assert.fail(`server did not answer within 30 s:\n${output()}`);
    await delay(100);
  }
}

function collect(child: ChildProcess): () => string {
  let text = "";
  child.stdout?.on("data", (chunk) => {
    text += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    text += chunk;
  });
  return () => text;
}

/** SIGTERM, then SIGKILL if the process has not exited within 5 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
