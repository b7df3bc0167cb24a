import assert from "node:assert/strict";
import { test } from "node:test";
import { DockerfileError } from "../errors.js";
import { parseDockerfile } from "./dockerfile-parse.js";
import { findStage, neededStages, stageKey, targetStage } from "./plan-stages.js";

const { stages } = parseDockerfile(
  [
    "FROM node:20 AS deps",
    "FROM node:20 AS Venv",
    "FROM deps AS build",
    "COPY --from=1 /x /x",
    "FROM alpine AS unused",
    "FROM node:20-slim",
    "COPY --from=BUILD /app /app",
  ].join("\n"),
);

test("findStage: by name in any case, or by index; -1 otherwise", async () => {
  assert.deepEqual(
    ["deps", "VENV", "2", "4", "5", "nginx:latest"].map((r) => findStage(stages, r)),
    [0, 1, 2, 4, -1, -1],
  );
});

test("neededStages: the target, its FROM chain and what it copies from", async () => {
  assert.deepEqual([...neededStages(stages, 4)].sort(), [0, 1, 2, 4]);
  assert.deepEqual([...neededStages(stages, 3)], [3]);
});

test("stageKey: a name the build folder uses is prefixed", async () => {
  assert.deepEqual(
    stages.map((s) => stageKey(s)),
    ["deps", "stage-venv", "build", "unused", "4"],
  );
});

test("targetStage: the last stage by default; an unknown target names the stages", async () => {
  assert.equal(targetStage(stages, undefined, "Dockerfile"), 4);
  assert.equal(targetStage(stages, "build", "Dockerfile"), 2);
  assert.throws(
    () => targetStage(stages, "prod", "app/Dockerfile"),
    (e: unknown) =>
      e instanceof DockerfileError &&
      e.message.startsWith(
        'app/Dockerfile: target stage "prod" does not exist. Stages are: deps, venv, build, unused, 4.',
      ),
  );
});
