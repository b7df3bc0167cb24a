import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyRun, type RunClassification } from "./run-classification.js";

/** [RUN command, classification, packages the host must provide]. */
const cases: [string, RunClassification, string[]][] = [
  // Docker's best-practice apt chain.
  [
    "apt-get update && apt-get install -y --no-install-recommends bzr cvs git && rm -rf /var/lib/apt/lists/*",
    "os-package",
    ["bzr", "cvs", "git"],
  ],
  // A `#` inside a word does not hide the rest of the chain.
  [
    "pip install git+https://example.com/r.git#egg=pkg && apt-get install -y curl",
    "os-package",
    ["curl"],
  ],
  // A comment does.
  ["npm ci # && apt-get install -y curl", "host", []],
  ["npm ci\napt-get install -y git", "os-package", ["git"]],
  // Redirections name files and descriptors, not packages or programs.
  ["apt-get install -y curl > /dev/null 2>&1", "os-package", ["curl"]],
  ["npm ci > /dev/null 2>&1 && npm run build", "host", []],
  // Subshells and substitutions are commands too.
  ["(cd web && npm ci)", "host", []],
  ["echo $(curl -fsSL https://example.com/v)", "unknown", []],
  ["pip install $(echo flask) --no-cache-dir", "host", []],
  ["echo $((1 + 2)) > n.txt", "host", []],
  ["echo `apt-get install -y curl`", "unknown", []],
  // Dockerfile reference: a shell of its own is not a step ecs-local knows.
  ["/bin/bash -c 'source $HOME/.bashrc && echo $HOME'", "unknown", []],
  ["npm ci & npm run build", "host", []],
  ["sudo apt-get install -y make", "os-package", ["make"]],
];

for (const [command, classification, packages] of cases) {
  test(`classifyRun: ${JSON.stringify(command)}`, async () => {
    const got = classifyRun(command);
    assert.deepEqual([got.classification, got.packages], [classification, packages]);
  });
}
