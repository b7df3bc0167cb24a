import { parseArgs } from "node:util";
import { EcsLocalError, UsageError } from "../errors.js";
import { ExitError } from "./exit-error.js";
import { packageVersion } from "./version.js";

const USAGE = `ecs-local: run a CDK app's ECS services on this machine, Service Connect included

Usage:
  ecs-local up [--app <dir>] [--stack <name>] [-c key=value] [--time-scale <n>]
               [--listener-port 80=8080] [--secrets-file <path>] [--fresh] [-d]
               [--faithful-cpu] [--faithful-routing] [--suspend-scaling] [--watch]
                                     run the app's ECS services; -d returns once healthy,
                                     --fresh synthesizes even when nothing changed,
                                     --faithful-cpu limits CPU from a task's start,
                                     --faithful-routing sends Service Connect traffic to
                                     a task before its health check passes, as AWS does,
                                     --suspend-scaling keeps the task counts as deployed,
                                     --watch rebuilds a changed image and rolls its service
  ecs-local doctor [--fix] [--with flask,wrk,…]
                                     check (and with --fix install) what this machine needs
  ecs-local ps                       services, tasks, health, addresses, scaling
  ecs-local events [service] [-f]    service events and scaling activities, newest last
  ecs-local top [--once]             each task's CPU and memory against its size, live
  ecs-local logs [service] [-f]      container output, task-prefixed
  ecs-local exec <service|task> [--container <name>] [-- cmd ...]
                                     run a command inside a task, with a container's
                                     environment and folder (default: sh; the first
                                     essential container)
  ecs-local scale <service> <n>      set a service's desired count
  ecs-local deploy <service>         replace every task in a rolling deployment
  ecs-local down                     stop the run begun by \`up\`

Options:
  --state-dir <dir>   where the run keeps its files (default: ./.ecs-local)
  --secrets-file <path>
                      values of the containers' secrets and S3 environment files
                      (default: <state dir>/secrets.json)
  -v, --version       the version of ecs-local
  -h, --help          this text
`;

const commands: Record<string, () => Promise<{ run: (args: CommandArgs) => Promise<void> }>> = {
  up: () => import("./commands/up.js"),
  ps: () => import("./commands/ps.js"),
  status: () => import("./commands/ps.js"),
  logs: () => import("./commands/logs.js"),
  exec: () => import("./commands/exec.js"),
  scale: () => import("./commands/scale.js"),
  deploy: () => import("./commands/deploy.js"),
  down: () => import("./commands/down.js"),
  doctor: () => import("./commands/doctor.js"),
  events: () => import("./commands/events.js"),
  top: () => import("./commands/top.js"),
};

export interface CommandArgs {
  readonly positionals: readonly string[];
  /** Everything after `--`, for `exec`. */
  readonly rest: readonly string[];
  readonly values: {
    readonly app?: string;
    readonly stack?: string;
    readonly context?: string[];
    readonly "time-scale"?: string;
    readonly "listener-port"?: string[];
    readonly "state-dir"?: string;
    readonly "secrets-file"?: string;
    readonly follow?: boolean;
    readonly detach?: boolean;
    readonly fresh?: boolean;
    readonly fix?: boolean;
    readonly with?: string[];
    readonly once?: boolean;
    readonly "faithful-cpu"?: boolean;
    readonly "suspend-scaling"?: boolean;
    readonly watch?: boolean;
    readonly "faithful-routing"?: boolean;
    readonly container?: string;
  };
}

async function main(argv: string[]): Promise<void> {
  const dashDash = argv.indexOf("--");
  const own = dashDash === -1 ? argv : argv.slice(0, dashDash);
  const rest = dashDash === -1 ? [] : argv.slice(dashDash + 1);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(joinNegativeValues(own));
  } catch (error) {
    const first = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    throw new UsageError(`${first} Run \`ecs-local --help\` for the usage.`);
  }
  const [verb, ...positionals] = parsed.positionals;
  if (parsed.values.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  if (parsed.values.help || verb === undefined || verb === "help") {
    process.stdout.write(USAGE);
    return;
  }
  const load = commands[verb];
  if (!load) throw new UsageError(`Unknown command "${verb}".\n\n${USAGE}`);
  const command = await load();
  await command.run({ positionals, rest, values: parsed.values });
}

const VALUE_OPTIONS = new Set(["--time-scale", "--listener-port", "-c", "--context"]);

/**
 * `--time-scale -1` as `--time-scale=-1`: parseArgs refuses a value that starts with a dash,
 * but the flag's own check gives the clearer message ("must be a positive number").
 */
function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (VALUE_OPTIONS.has(arg) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      app: { type: "string" },
      stack: { type: "string" },
      context: { type: "string", short: "c", multiple: true },
      "time-scale": { type: "string" },
      "listener-port": { type: "string", multiple: true },
      "state-dir": { type: "string" },
      "secrets-file": { type: "string" },
      follow: { type: "boolean", short: "f" },
      detach: { type: "boolean", short: "d" },
      fresh: { type: "boolean" },
      fix: { type: "boolean" },
      with: { type: "string", multiple: true },
      once: { type: "boolean" },
      "faithful-cpu": { type: "boolean" },
      "suspend-scaling": { type: "boolean" },
      watch: { type: "boolean" },
      "faithful-routing": { type: "boolean" },
      container: { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
}

// The one error boundary and the one process.exit of the CLI.
main(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    if (error instanceof ExitError) process.exit(error.exitCode);
    if (error instanceof EcsLocalError) {
      process.stderr.write(`ecs-local: ${error.message}\n`);
      process.exit(error instanceof UsageError ? 2 : 1);
    }
    process.stderr.write(
      `ecs-local: unexpected error: ${error instanceof Error ? error.stack : error}\n`,
    );
    process.exit(1);
  },
);
