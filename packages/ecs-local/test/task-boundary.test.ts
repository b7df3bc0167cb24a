/**
 * From inside a task, a container sees what an ECS task sees and no more: its loopback, its
 * Service Connect aliases, and its own task's metadata (GET only). Nothing else of the
 * control plane: no API route (the CLI's or the AWS APIs), no other task's metadata, no socket or
 * file of the run folder.
 * Each refusal is tried from inside the `web` task of the polyglot app, with curl.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { RunStatus } from "../src/api/control-plane-view.js";
import { dockerIdOf } from "../src/control/task-documents.js";
import { cli, downAndVerify, freePort, UpProcess } from "./support/ecs-local-run.js";

const POLYGLOT_APP = fileURLToPath(new URL("./fixtures/polyglot-app", import.meta.url));

// Each line prints `<check>=<result>`; a curl that cannot connect prints 000 and exits 7.
const PROBE = String.raw`
md=http://169.254.170.2
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$@"; }
echo "own-container=$(code $md/v4/$OWN)"
echo "own-task=$(code $md/v4/$OWN/task)"
echo "own-stats=$(code $md/v4/$OWN/stats)"
echo "own-task-stats=$(code $md/v4/$OWN/task/stats)"
echo "own-task-arn=$(curl -s $md/v4/$OWN/task | grep -o "task/[^/]*/$OWN_TASK" | head -1)"
echo "other-task=$(code $md/v4/$OTHER)"
echo "other-task-doc=$(code $md/v4/$OTHER/task)"
echo "status-route=$(code $md/v1/status)"
echo "scale-route=$(code -X POST -H content-type:application/json -d '{"desiredCount":0}' $md/v1/services/api/scale)"
echo "down-route=$(code -X POST $md/v1/down)"
echo "write-metadata=$(code -X POST $md/v4/$OWN/task)"
echo "api-by-address=$(code $API/v1/status)"
echo "aws-api-by-address=$(code -X POST -H 'x-amz-target: AmazonEC2ContainerServiceV20141113.ListClusters' -H 'content-type: application/x-amz-json-1.1' -d '{}' $AWS)"
echo "run-folder-entries=$(ls -A "$RUN" | wc -l)"
echo "endpoints-file=$(cat "$RUN/endpoints.json" 2>/dev/null | wc -c)"
echo "state-file=$(cat "$RUN/state.json" 2>/dev/null | wc -c)"
echo "other-ingress-socket=$(code --unix-socket "$OTHER_SOCKET" http://x/)"
echo "secrets-file=$(cat "$SECRETS" 2>/dev/null | wc -c)"
echo "alias=$(curl -s --max-time 3 http://api.local:5000/ | grep -o 'Hello from Flask')"
`;

test("a container sees its own task and no more of the run", { timeout: 400_000 }, async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), "ecs-local-boundary-"));
  // A secrets file the run reads: containers must not read it back.
  writeFileSync(join(stateDir, "secrets.json"), JSON.stringify({ ssm: { "/unused": "s3cr3t" } }));
  const port = await freePort();
  const up = new UpProcess(stateDir, ["--app", POLYGLOT_APP, "--listener-port", `80=${port}`]);
  t.after(async () => {
    if (up.child.exitCode === null) {
      await cli(stateDir, ["down"], 120_000);
      await up.exited;
    }
    rmSync(stateDir, { recursive: true, force: true });
  });
  await up.waitFor(/all services healthy/, 240_000);

  const state = JSON.parse(readFileSync(join(stateDir, "run", "state.json"), "utf8"));
  const status = (await (await fetch(`${state.apiUrl}/v1/status`)).json()) as RunStatus;
  const task = (name: string) => {
    const found = status.services.find((s) => s.name === name)?.tasks[0];
    assert.ok(found, `a ${name} task in ${JSON.stringify(status)}`);
    return found;
  };
  const web = task("web");
  const api = task("api");
  const probe = await cli(stateDir, [
    "exec",
    "web",
    "--",
    "env",
    `OWN=${dockerIdOf(web.id, "web")}`,
    `OWN_TASK=${web.id}`,
    `OTHER=${dockerIdOf(api.id, "api")}`,
    `API=${state.apiUrl}`,
    `AWS=${state.awsEndpoint}`,
    `RUN=${join(stateDir, "run")}`,
    `OTHER_SOCKET=${api.sockets.api}`,
    `SECRETS=${join(stateDir, "secrets.json")}`,
    "sh",
    "-c",
    PROBE,
  ]);
  assert.equal(probe.code, 0, probe.stderr);
  const seen = Object.fromEntries(
    probe.stdout
      .trim()
      .split("\n")
      .map((line) => line.split("=", 2) as [string, string]),
  );
  // The task document names this task, in the run's cluster.
  assert.match(seen["own-task-arn"] ?? "", new RegExp(`^task/[\\w-]+/${web.id}$`));
  delete seen["own-task-arn"];
  assert.deepEqual(seen, {
    // Its own task's documents, read-only.
    "own-container": "200",
    "own-task": "200",
    "own-stats": "200",
    "own-task-stats": "200",
    "write-metadata": "405",
    // Nothing of another task or of the control plane through the metadata address.
    "other-task": "404",
    "other-task-doc": "404",
    "status-route": "404",
    "scale-route": "405",
    "down-route": "405",
    // The APIs listen on the host's loopback, which a task's network namespace does not have.
    "api-by-address": "000",
    "aws-api-by-address": "000",
    // The run folder is an empty read-only folder inside the task; the secrets file is empty.
    "run-folder-entries": "0",
    "endpoints-file": "0",
    "state-file": "0",
    "other-ingress-socket": "000",
    "secrets-file": "0",
    // What it should reach, it reaches: its alias, through its sidecar.
    alias: "Hello from Flask",
  });
  // The host side is untouched: the control plane still reads and writes the same folder.
  assert.match(readFileSync(join(stateDir, "run", "endpoints.json"), "utf8"), /"api"/);
  await downAndVerify(up, stateDir);
});
