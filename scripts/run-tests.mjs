// Runs every `*.test.ts` of the repository in one `node --test` run, so there is one summary.
// Node 20's test runner does not expand globs, so the files are found here.
// Usage: node scripts/run-tests.mjs [folder-or-file ...]   (default: app/ and packages/)
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dirname, "..");

// What the tests need from this machine beyond what `ecs-local up` needs (which it checks
// and installs itself): Debian's Flask and venv serve the polyglot fixture's Python backend.
// The AWS CLI v2 calls ecs-local's AWS APIs in test/aws-api.test.ts.
// Debian's Chromium is the browser test/dashboard.test.ts drives with playwright-core.
// `ecs-local doctor --fix` installs what is missing (as root or with passwordless sudo) or
// says which command would; it is the same code path `up` uses, and CI's only package list.
const TEST_REQUIREMENTS = ["python-venv", "flask", "aws", "chromium"];
const doctor = spawnSync(
  process.execPath,
  [
    join(root, "packages/ecs-local/bin/ecs-local.mjs"),
    "doctor",
    "--fix",
    "--with",
    TEST_REQUIREMENTS.join(","),
  ],
  { cwd: root, stdio: "inherit" },
);
if (doctor.status !== 0) {
  console.error(
    "The tests need what `ecs-local doctor` reported missing above; install it, then rerun.",
  );
  process.exit(doctor.status ?? 1);
}
const skipped = new Set(["node_modules", ".next", "dist", "cdk.out", ".ecs-local", ".git"]);

function findTests(path) {
  if (statSync(path).isFile()) return path.endsWith(".test.ts") ? [path] : [];
  return readdirSync(path)
    .filter((name) => !skipped.has(name))
    .flatMap((name) => findTests(join(path, name)));
}

const targets = process.argv.slice(2);
const files = (targets.length > 0 ? targets : ["app", "packages"])
  .map((target) => join(root, target))
  .flatMap(findTests)
  .map((file) => relative(root, file))
  .sort();
if (files.length === 0) {
  console.error(`No *.test.ts files under ${targets.join(", ") || "app/, packages/"}.`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...files],
  { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } },
);
process.exit(result.status ?? 1);
