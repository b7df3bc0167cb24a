import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  deploymentBounds,
  formatRollingStep,
  type RollingStepInput,
  type RollingTask,
  type RollingTaskState,
  rollingStep,
} from "./rolling-step.js";

const NEW = "ecs-svc/2000000000000000002";
const OLD = "ecs-svc/1000000000000000001";
const BLOCKED =
  "blocked: (service web) was unable to stop or start tasks during a deployment because of the " +
  "service deployment configuration. Update the minimumHealthyPercent or maximumPercent value " +
  "and try again.";

/** A task named for its age: `o1` is older than `o2`, and every old task older than a new one. */
function tasks(spec: string): RollingTask[] {
  if (spec === "") return [];
  return spec.split(" ").map((word) => {
    const [id = "", state = "healthy"] = word.split(":");
    return {
      id,
      state: state as RollingTaskState,
      createdAt: (id.startsWith("n") ? 100 : 0) + Number(id.slice(1)),
    };
  });
}

function input(
  desiredCount: number,
  [minimumHealthyPercent, maximumPercent]: [number, number],
  primary: string,
  old: string,
): RollingStepInput {
  return {
    service: "web",
    settings: { minimumHealthyPercent, maximumPercent },
    desiredCount,
    primary: { deploymentId: NEW, tasks: tasks(primary) },
    active: [{ deploymentId: OLD, tasks: tasks(old) }],
  };
}

const stopOld = (id: string) => `stop ${id}: Scaling activity initiated by (deployment ${OLD})`;
const stopNew = (id: string) => `stop ${id}: Scaling activity initiated by (deployment ${NEW})`;

describe("the bounds, rounded as ECS rounds them", () => {
  const table: [desired: number, min: number, max: number, minimum: number, maximum: number][] = [
    // The reference's examples (§3.1).
    [4, 50, 200, 2, 8],
    [2, 75, 200, 2, 4],
    [3, 100, 125, 3, 3],
    [3, 100, 200, 3, 6],
    [1, 100, 100, 1, 1],
    [0, 100, 200, 0, 0],
    [5, 0, 100, 0, 5],
  ];
  for (const [desired, min, max, minimumHealthy, maximum] of table) {
    test(`desired ${desired}, min ${min} %, max ${max} % → ${minimumHealthy} healthy, ${maximum} at most`, () => {
      assert.deepEqual(
        deploymentBounds(desired, { minimumHealthyPercent: min, maximumPercent: max }),
        { minimumHealthy, maximum },
      );
    });
  }
});

describe("one step of a rolling deployment", () => {
  // Tasks as `id:state` (state defaults to healthy); `o…` of the old deployment, `n…` new.
  const cases: { name: string; input: RollingStepInput; step: string[] }[] = [
    {
      name: "min 100 / max 200, desired 3: starts 3 new tasks before stopping any old one",
      input: input(3, [100, 200], "", "o1 o2 o3"),
      step: ["bounds: minimum healthy 3, maximum 6", "start 3"],
    },
    {
      name: "min 100 / max 200: each new task that becomes healthy lets the oldest old one go",
      input: input(3, [100, 200], "n1 n2:running n3:pending", "o1 o2 o3"),
      step: ["bounds: minimum healthy 3, maximum 6", stopOld("o1")],
    },
    {
      name: "min 100 / max 200: an old task not yet healthy goes first, whatever its age",
      input: input(3, [100, 200], "n1:pending n2:pending n3:pending", "o1 o2:running o3"),
      step: ["bounds: minimum healthy 3, maximum 6", stopOld("o2")],
    },
    {
      name: "min 100 / max 200: complete once the new tasks are healthy and the old ones STOPPED",
      input: input(3, [100, 200], "n1 n2 n3", ""),
      step: ["bounds: minimum healthy 3, maximum 6", "complete"],
    },
    {
      name: "an old task still draining holds completion, without a blocked event",
      input: input(3, [100, 200], "n1 n2 n3", "o1:stopping"),
      step: ["bounds: minimum healthy 3, maximum 6"],
    },
    {
      name: "min 50 / max 100, desired 4: stops 2 old tasks first (the reference's example)",
      input: input(4, [50, 100], "", "o1 o2 o3 o4"),
      step: ["bounds: minimum healthy 2, maximum 4", stopOld("o1"), stopOld("o2")],
    },
    {
      name: "min 50 / max 100: then starts 2 new ones while those drain",
      input: input(4, [50, 100], "", "o1:stopping o2:stopping o3 o4"),
      step: ["bounds: minimum healthy 2, maximum 4", "start 2"],
    },
    {
      name: "min 50 / max 100: once the first new ones are healthy, the last old ones go",
      input: input(4, [50, 100], "n1 n2", "o3 o4"),
      step: ["bounds: minimum healthy 2, maximum 4", stopOld("o3"), stopOld("o4")],
    },
    {
      name: "min 100 / max 100, desired 1: nothing may stop or start, so ECS's event",
      input: input(1, [100, 100], "", "o1"),
      step: ["bounds: minimum healthy 1, maximum 1", BLOCKED],
    },
    {
      name: "min 75, desired 2: ceil(1.5) = 2, so no old task may stop; max 200 lets 2 start",
      input: input(2, [75, 200], "", "o1 o2"),
      step: ["bounds: minimum healthy 2, maximum 4", "start 2"],
    },
    {
      name: "min 75, desired 2, max 100: neither, blocked",
      input: input(2, [75, 100], "", "o1 o2"),
      step: ["bounds: minimum healthy 2, maximum 2", BLOCKED],
    },
    {
      name: "max 125, desired 3: floor(3.75) = 3, so no new task may start; with min 100, blocked",
      input: input(3, [100, 125], "", "o1 o2 o3"),
      step: ["bounds: minimum healthy 3, maximum 3", BLOCKED],
    },
    {
      name: "max 125, desired 3, min 50: stops one old task to make room",
      input: input(3, [50, 125], "", "o1 o2 o3"),
      step: ["bounds: minimum healthy 2, maximum 3", stopOld("o1")],
    },
    {
      name: "min 0 / max 100: every old task stops at once",
      input: input(2, [0, 100], "", "o1 o2"),
      step: ["bounds: minimum healthy 0, maximum 2", stopOld("o1"), stopOld("o2")],
    },
    {
      name: "min 0 / max 100: the new tasks start once the old ones are on their way out",
      input: input(2, [0, 100], "", "o1:stopping o2:stopping"),
      step: ["bounds: minimum healthy 0, maximum 2", "start 2"],
    },
    {
      name: "desired 0: the old tasks stop and nothing starts",
      input: input(0, [100, 200], "", "o1 o2"),
      step: ["bounds: minimum healthy 0, maximum 0", stopOld("o1"), stopOld("o2")],
    },
    {
      name: "desired 0 with no task left: complete",
      input: input(0, [100, 200], "", ""),
      step: ["bounds: minimum healthy 0, maximum 0", "complete"],
    },
    {
      name: "a new deployment with no old tasks just starts the desired count",
      input: input(2, [100, 200], "", ""),
      step: ["bounds: minimum healthy 2, maximum 4", "start 2"],
    },
    {
      name: "desired lowered mid-deployment: new tasks not yet healthy go first, then the newest",
      input: input(1, [100, 200], "n1 n2:running n3", "o1"),
      step: ["bounds: minimum healthy 1, maximum 2", stopNew("n2"), stopNew("n3"), stopOld("o1")],
    },
    {
      name: "waiting for a new task to become healthy is not blocked",
      input: input(1, [100, 200], "n1:running", "o1"),
      step: ["bounds: minimum healthy 1, maximum 2"],
    },
    {
      name: "a new task that failed is replaced once it is stopping",
      input: input(2, [100, 200], "n1 n2:stopping", "o1 o2"),
      step: ["bounds: minimum healthy 2, maximum 4", "start 1", stopOld("o1")],
    },
    {
      name: "a deployment the circuit breaker failed without rollback: nothing starts or stops",
      input: { ...input(2, [100, 200], "n1:stopping", "o1 o2"), primaryFailed: true },
      step: ["bounds: minimum healthy 2, maximum 4"],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(formatRollingStep(rollingStep(c.input)), c.step.join("\n"));
    });
  }

  test("old tasks of several ACTIVE deployments go oldest first, each named by its deployment", () => {
    const step = rollingStep({
      service: "web",
      settings: { minimumHealthyPercent: 50, maximumPercent: 200 },
      desiredCount: 2,
      primary: { deploymentId: NEW, tasks: [] },
      active: [
        { deploymentId: "ecs-svc/1", tasks: [{ id: "b", state: "healthy", createdAt: 2 }] },
        { deploymentId: "ecs-svc/0", tasks: [{ id: "a", state: "healthy", createdAt: 1 }] },
      ],
    });
    assert.deepEqual(step.stop, [
      {
        taskId: "a",
        deploymentId: "ecs-svc/0",
        reason: "Scaling activity initiated by (deployment ecs-svc/0)",
      },
    ]);
    assert.equal(step.start, 2);
  });
});

describe("a whole deployment, step by step", () => {
  /** Applies a step the way the controller would: started tasks pending, stopped ones stopping. */
  function apply(state: RollingStepInput, next: number): RollingStepInput {
    const step = rollingStep(state);
    const stopped = new Set(step.stop.map((s) => s.taskId));
    const mark = (t: RollingTask): RollingTask =>
      stopped.has(t.id) ? { ...t, state: "stopping" } : t;
    const started = Array.from({ length: step.start }, (_, i) => ({
      id: `n${next + i}`,
      state: "pending" as const,
      createdAt: 100 + next + i,
    }));
    return {
      ...state,
      primary: { ...state.primary, tasks: [...state.primary.tasks.map(mark), ...started] },
      active: state.active.map((d) => ({ ...d, tasks: d.tasks.map(mark) })),
    };
  }
  /** Every task becomes healthy, every stopping task STOPPED: what time does between steps. */
  function settle(state: RollingStepInput): RollingStepInput {
    const advance = (ts: readonly RollingTask[]): RollingTask[] =>
      ts.filter((t) => t.state !== "stopping").map((t) => ({ ...t, state: "healthy" }));
    return {
      ...state,
      primary: { ...state.primary, tasks: advance(state.primary.tasks) },
      active: state.active.map((d) => ({ ...d, tasks: advance(d.tasks) })),
    };
  }
  /** Steps and settles until complete; returns each step's decision, compactly. */
  function run(start: RollingStepInput): string[] {
    const log: string[] = [];
    let state = start;
    for (let i = 0; i < 10; i++) {
      const step = rollingStep(state);
      const stops = step.stop.map((s) => s.taskId).join(" ");
      log.push(step.complete ? "complete" : `start ${step.start}; stop ${stops || "-"}`);
      if (step.complete || step.blockedEvent) return log;
      state = settle(apply(state, 1 + state.primary.tasks.length));
    }
    return log;
  }

  test("min 100 / max 200, desired 3: all new first, then all old", () => {
    assert.deepEqual(run(input(3, [100, 200], "", "o1 o2 o3")), [
      "start 3; stop -",
      "start 0; stop o1 o2 o3",
      "complete",
    ]);
  });

  test("min 50 / max 100, desired 4: half stopped, half started, then the rest", () => {
    assert.deepEqual(run(input(4, [50, 100], "", "o1 o2 o3 o4")), [
      "start 0; stop o1 o2",
      "start 2; stop -",
      "start 0; stop o3 o4",
      "start 2; stop -",
      "complete",
    ]);
  });
});
