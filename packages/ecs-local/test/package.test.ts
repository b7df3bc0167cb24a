/**
 * ecs-local as a team with its own CDK app gets it: `npm pack` of this package, the tarball
 * installed with `npm i -D` into a copy of the polyglot fixture outside the repository, beside
 * the packages any CDK app has, then `npx ecs-local up` and `down` there. Real npm, real
 * processes, no workspace link: what runs is what the tarball holds.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { killProcessesUnder } from "../src/sandbox/procs.js";
import {
  type CliCommand,
  cli,
  downAndVerify,
  freePort,
  get,
  processesUnder,
  REPO_ROOT,
  UpProcess,
  waitUntil,
} from "./support/ecs-local-run.js";

const PACKAGE_DIR = join(REPO_ROOT, "packages/ecs-local");
const POLYGLOT_APP = fileURLToPath(new URL("./fixtures/polyglot-app", import.meta.url));
const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as {
  version: string;
};

/** What a CDK app written in TypeScript has installed, at the repository's locked versions. */
const APP_DEPENDENCIES = ["aws-cdk-lib", "constructs"];
const APP_DEV_DEPENDENCIES = ["aws-cdk", "tsx"];

/** A user's shell: none of the `npm_*` variables `npm test` sets for its own scripts. */
const userEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== "INIT_CWD"),
);

function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string }>;
  };
  const version = lock.packages[`node_modules/${name}`]?.version;
  assert.ok(version, `${name} in the repository's package-lock.json`);
  return `${name}@${version}`;
}

async function run(file: string, args: readonly string[], cwd: string, timeoutMs: number) {
  try {
    return await promisify(execFile)(file, args, {
      cwd,
      env: userEnv,
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { message: string; stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(" ")} failed in ${cwd}: ${e.message}\n${e.stderr ?? ""}`);
  }
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

describe("ecs-local installed from its tarball into a CDK app", { timeout: 480_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "ecs-local-package-"));
  const appDir = join(work, "app");
  const installed = join(appDir, "node_modules/ecs-local");
  const npx: CliCommand = {
    file: "npx",
    args: ["--no-install", "ecs-local"],
    cwd: appDir,
    env: userEnv,
  };
  let tarball: { filename: string; size: number };

  before(
    async () => {
      const packDir = join(work, "pack");
      mkdirSync(packDir);
      // prepack builds dist/ first; its output goes to stderr, so stdout is npm's JSON.
      const packed = await run(
        "npm",
        ["pack", "--json", "--pack-destination", packDir],
        PACKAGE_DIR,
        120_000,
      );
      const [report] = JSON.parse(packed.stdout) as { filename: string; size: number }[];
      assert.ok(report);
      tarball = report;

      cpSync(POLYGLOT_APP, appDir, { recursive: true });
      const install = ["install", "--prefer-offline", "--no-audit", "--no-fund"];
      await run("npm", [...install, ...APP_DEPENDENCIES.map(lockedVersion)], appDir, 180_000);
      await run(
        "npm",
        [
          ...install,
          "--save-dev",
          ...APP_DEV_DEPENDENCIES.map(lockedVersion),
          join(packDir, tarball.filename),
        ],
        appDir,
        180_000,
      );
    },
    { timeout: 300_000 },
  );

  after(async () => {
    // Whatever a failed test left running lives under `work` (its cwd or command line).
    killProcessesUnder(work);
    rmSync(work, { recursive: true, force: true });
  });

  test("the package holds plain JavaScript: no TypeScript source but declarations", (t) => {
    t.diagnostic(`${tarball.filename}: ${tarball.size} bytes`);
    const files = filesUnder(installed);
    const sources = files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"));
    assert.deepEqual(sources, []);
    for (const file of ["bin/ecs-local.mjs", "dist/cli.mjs", "dist/index.mjs"]) {
      assert.ok(files.includes(file), `${file} in ${files.join(", ")}`);
    }
    assert.ok(files.includes("dist/types/index.d.ts"));
  });

  test("its runtime dependencies need no TypeScript toolchain", () => {
    const pkg = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    const dependencies = Object.keys(pkg.dependencies ?? {});
    for (const name of ["tsx", "typescript", "esbuild"]) {
      assert.ok(!dependencies.includes(name), `${name} in dependencies: ${dependencies}`);
    }
  });

  test("npx ecs-local --version prints the package version", async () => {
    const { stdout } = await run("npx", [...npx.args, "--version"], appDir, 60_000);
    assert.equal(stdout.trim(), manifest.version);
  });

  test("the programmatic entry loads from the package name", async () => {
    const probe = `import * as m from "ecs-local"; console.log(Object.keys(m).sort().join(" "));`;
    const { stdout } = await run(
      process.execPath,
      ["--input-type=module", "-e", probe],
      appDir,
      30_000,
    );
    for (const name of ["buildModel", "readCloudAssembly", "synthesize", "EcsLocalError"]) {
      assert.ok(stdout.trim().split(" ").includes(name), `${name} in ${stdout}`);
    }
  });

  test("npx ecs-local up serves the app, and down leaves nothing running", async () => {
    const port = await freePort();
    const stateDir = join(appDir, ".ecs-local");
    const up = new UpProcess(stateDir, ["--listener-port", `80=${port}`], npx);
    try {
      await up.waitFor(/all services healthy/, 240_000);
      const page = await get(`http://127.0.0.1:${port}/`);
      assert.equal(page.status, 200);
      assert.match(page.body, /Hello from Flask/);
      // One Service Connect agent per task: an haproxy reading its task's configuration.
      const agents = processesUnder(join(stateDir, "run")).filter((pid) =>
        /^(\S*\/)?haproxy\0/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8")),
      );
      assert.equal(agents.length, 2, "two tasks, two agents");
      await downAndVerify(up, stateDir);
      // npx, the shell it starts and `up` itself run in the app folder: all gone too.
      await waitUntil(
        () => (processesUnder(appDir).length === 0 ? true : undefined),
        10_000,
        "no process in the app folder",
      );
    } finally {
      if (up.child.exitCode === null) {
        await cli(stateDir, ["down"], 120_000, npx);
        await up.exited;
      }
    }
  });
});

/**
 * The bin's rule, on a package copy that kept its sources: under node_modules it is an
 * installed package, so it runs dist/ and never needs tsx.
 */
test("under node_modules the bin runs dist/, even beside sources", async (t) => {
  const work = mkdtempSync(join(tmpdir(), "ecs-local-bin-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const copy = join(work, "node_modules/ecs-local");
  mkdirSync(join(copy, "src/cli"), { recursive: true });
  mkdirSync(join(copy, "dist"));
  cpSync(join(PACKAGE_DIR, "bin"), join(copy, "bin"), { recursive: true });
  writeFileSync(join(copy, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(join(copy, "src/cli/main.ts"), 'console.log("sources");\n');
  writeFileSync(join(copy, "dist/cli.mjs"), 'console.log("dist");\n');
  const { stdout } = await run(process.execPath, [join(copy, "bin/ecs-local.mjs")], work, 30_000);
  assert.equal(stdout.trim(), "dist");
});
