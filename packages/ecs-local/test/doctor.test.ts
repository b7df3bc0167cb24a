/**
 * `ecs-local doctor` on this machine, as a user runs it. The test runner has already made
 * sure the host has what ecs-local needs (with `doctor --fix`), so everything passes here;
 * a port taken by someone else is the one thing a test can break without changing the host.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { cli, freePort } from "./support/ecs-local-run.js";

function stateDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "ecs-local-doctor-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("doctor checks the tools, namespaces, cgroups and the listener port", async (t) => {
  const port = await freePort();
  const result = await cli(stateDir(t), ["doctor", "--listener-port", `80=${port}`]);
  assert.equal(result.code, 0, `${result.stdout}${result.stderr}`);
  for (const name of ["unshare", "mount", "ip", "nft", "curl"]) {
    assert.match(result.stdout, new RegExp(`✓ ${name} +/\\S+`), name);
  }
  assert.match(result.stdout, /✓ namespaces +user, network, mount and UTS namespaces/);
  assert.match(result.stdout, /✓ cgroups +(cgroup v[12]|no cgroups)/);
  assert.match(result.stdout, new RegExp(`✓ port ${port} +free for listener :80`));
  assert.match(result.stdout, /everything ecs-local needs is here/);
});

test("a taken listener port fails the check and says how to move the listener", async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const { port } = server.address() as { port: number };
  const result = await cli(stateDir(t), ["doctor", "--listener-port", `80=${port}`]);
  assert.equal(result.code, 1);
  assert.match(
    result.stdout,
    new RegExp(`✗ port ${port} +in use; listener :80 needs it\\. .*--listener-port 80=<free port>`),
  );
});

test("optional requirements are checked by name; an unknown name is a usage error", async (t) => {
  const dir = stateDir(t);
  // A port nothing else uses, so the check cannot fail for a port another run holds.
  const port = ["--listener-port", `80=${await freePort()}`];
  const known = await cli(dir, ["doctor", "--with", "flask,python-venv", ...port]);
  assert.equal(known.code, 0, known.stdout);
  assert.match(known.stdout, /✓ flask +\S*python3: flask/);
  const unknown = await cli(dir, ["doctor", "--with", "flask,emacs"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--with emacs: unknown; choose from python-venv, flask, ab/);
});
