/**
 * A task's sandbox: new user, network, mount and UTS namespaces held open by a tiny holder
 * process (ECS's pause container), with `lo` up, the task metadata address 169.254.170.2 on
 * it, and the task's own /etc/hosts bind-mounted in. Containers and the Service Connect agent join it with
 * `nsenter`, so every replica keeps its real ports.
 */
import { type ChildProcess, type StdioOptions, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SandboxError } from "../errors.js";
import { placedInCgroups } from "./cgroup-placement.js";
import { waitHolderReady } from "./holder-ready.js";
import {
  findTool,
  NAMESPACE_FLAGS,
  NSENTER_FLAGS,
  NSENTER_NETWORK_FLAGS,
  toolPath,
} from "./host-tools.js";
import { type HostEntry, renderHostsFile } from "./hosts-file.js";
import { isRunning, namespaceMembers, netnsOf, signal } from "./procs.js";
import { runProcess } from "./run-process.js";
import { TASK_METADATA_ADDRESS } from "./task-addresses.js";

export interface TaskSandboxOptions {
  /** Names the task's folder `<runDir>/tasks/<taskId>`; letters, digits, `.`, `_`, `-`. */
  readonly taskId: string;
  /** The run folder (the project's `.ecs-local/` run); nothing outside it is written. */
  readonly runDir: string;
  /** Extra /etc/hosts lines, usually the Service Connect aliases from `assignAliasAddresses`. */
  readonly hosts: readonly HostEntry[];
  /**
   * The task's hostname (`hostname` inside, and a 127.0.0.1 line in /etc/hosts).
   * @default `task-<taskId>` made hostname-safe
   */
  readonly hostname?: string;
  /** Aborting closes the sandbox. */
  readonly signal?: AbortSignal;
  /**
   * How long `close()` waits after SIGTERM before SIGKILL. Orderly container stops (with the
   * task definition's stopTimeout) happen before close; this is the last-resort teardown.
   * @default 2000
   */
  readonly killGraceMs?: number;
  /** How long the holder may take to set the namespaces up. @default 10000 */
  readonly startTimeoutMs?: number;
  /**
   * Paths the task's containers must not see (the run folder with the control plane's and
   * other tasks' sockets, the secrets file): hidden in the task's mount namespace only.
   * @default []
   */
  readonly hide?: readonly string[];
}

export interface SandboxSpawnOptions {
  /** The complete environment of the process (nothing is inherited when given). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory inside the sandbox. @default the caller's cwd */
  readonly cwd?: string;
  /** @default "pipe" */
  readonly stdio?: StdioOptions;
  /**
   * `all`: the task's every namespace, what a container sees. `network`: only its user and
   * network namespaces, with the host's filesystem (the Service Connect agent). @default "all"
   */
  readonly namespaces?: "all" | "network";
  /**
   * `cgroup.procs` files the process starts in (from `TaskResources.enter`), so it and all it
   * forks are in its groups from the first instruction. @default [] (the caller's groups)
   */
  readonly cgroup?: readonly string[];
}

export interface SandboxExecOptions {
  /** The command is killed (with its process group) after this long. */
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Each of stdout and stderr is truncated to this many bytes. @default 65536 */
  readonly maxOutputBytes?: number;
  /** As for {@link SandboxSpawnOptions.cgroup}: a health check runs in its container's groups. */
  readonly cgroup?: readonly string[];
  /** As for {@link SandboxSpawnOptions.namespaces}. @default "all" */
  readonly namespaces?: "all" | "network";
  /** Written to the command's stdin. @default none */
  readonly input?: string;
}

/** The outcome of {@link TaskSandbox.exec}; a failing or timed-out command is a value, not an error. */
export interface ExecResult {
  /** null when killed by a signal (including the timeout). */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

// The holder: set the namespaces up, report its pid, then wait on stdin. Reading stdin rather
// than sleeping ties its life to ours: if the control plane dies, the pipe closes and the
// holder goes too. No --fork: without a pid namespace unshare can exec the holder itself, so it
// is our direct child and we reap it (an intermediate unshare may exit without reaping it,
// leaving a zombie for init).
const HOLDER_SCRIPT = [
  "set -e",
  "ip link set lo up",
  `ip addr add ${TASK_METADATA_ADDRESS}/32 dev lo`,
  // The mounts live only in this mount namespace: the host's files are untouched.
  'mount --bind "$1" /etc/hosts',
  'printf %s "$2" > /proc/sys/kernel/hostname',
  "shift 2",
  // What the task must not see: a folder becomes an empty read-only tmpfs, a file /dev/null.
  // The /etc/hosts bind above keeps working: it holds the file, not its path.
  'for hidden in "$@"; do',
  '  if [ -d "$hidden" ]; then mount -t tmpfs -o ro,size=4k,mode=0555 hidden "$hidden";',
  '  elif [ -e "$hidden" ]; then mount --bind /dev/null "$hidden"; fi',
  "done",
  'echo "ready $$"',
  "exec cat > /dev/null",
].join("\n");

/** A running task sandbox. Create with {@link TaskSandbox.create}; always `close()` it. */
export class TaskSandbox {
  readonly taskId: string;
  /** `<runDir>/tasks/<taskId>`, where the task's files (hosts, sockets, logs) live. */
  readonly dir: string;
  /** The file bind-mounted over /etc/hosts inside. Rewrite it in place, never by rename. */
  readonly hostsPath: string;
  readonly hostname: string;
  /** The holder's pid: what `nsenter --target` and `ecs-local exec` use. */
  readonly holderPid: number;
  /** The `net:[inode]` identity of the task's network namespace. */
  readonly netns: string;

  readonly #unshare: ChildProcess;
  readonly #nsenter: string;
  readonly #killGraceMs: number;
  readonly #children = new Set<ChildProcess>();
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => void this.close();
  #closing: Promise<void> | undefined;

  private constructor(init: {
    taskId: string;
    dir: string;
    hostsPath: string;
    hostname: string;
    holderPid: number;
    netns: string;
    unshare: ChildProcess;
    nsenter: string;
    killGraceMs: number;
    signal: AbortSignal | undefined;
  }) {
    this.taskId = init.taskId;
    this.dir = init.dir;
    this.hostsPath = init.hostsPath;
    this.hostname = init.hostname;
    this.holderPid = init.holderPid;
    this.netns = init.netns;
    this.#unshare = init.unshare;
    this.#nsenter = init.nsenter;
    this.#killGraceMs = init.killGraceMs;
    this.#signal = init.signal;
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Creates the namespaces, writes and mounts the hosts file, and waits until they are ready. */
  static async create(options: TaskSandboxOptions): Promise<TaskSandbox> {
    const { taskId, runDir } = options;
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(taskId)) {
      throw new SandboxError(
        `Invalid task id ${JSON.stringify(taskId)}: it names a folder, so use letters, digits, '.', '_' and '-'.`,
      );
    }
    options.signal?.throwIfAborted();
    const [unsharePath, nsenterPath] = await Promise.all([
      findTool("unshare"),
      findTool("nsenter"),
    ]);
    if (unsharePath === undefined || nsenterPath === undefined) {
      throw new SandboxError(
        `Task ${taskId}: 'unshare' or 'nsenter' is missing (PATH ${toolPath()}); install util-linux.`,
      );
    }
    const hostname = options.hostname ?? defaultHostname(taskId);
    const dir = path.resolve(runDir, "tasks", taskId);
    const hostsPath = path.join(dir, "hosts");
    let hostsText: string;
    try {
      hostsText = renderHostsFile({ hostname, entries: options.hosts });
    } catch (cause) {
      throw new SandboxError(`Task ${taskId}: ${(cause as Error).message}`, { cause });
    }
    await mkdir(dir, { recursive: true });
    await writeFile(hostsPath, hostsText);

    const unshare = spawn(
      unsharePath,
      [
        ...NAMESPACE_FLAGS,
        "--propagation",
        "private",
        "sh",
        "-c",
        HOLDER_SCRIPT,
        "holder",
        hostsPath,
        hostname,
        ...(options.hide ?? []).map((p) => path.resolve(p)),
      ],
      { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, PATH: toolPath() } },
    );
    let holderPid: number;
    try {
      holderPid = await waitHolderReady(unshare, options.startTimeoutMs ?? 10_000, options.signal);
    } catch (cause) {
      signal(unshare.pid ?? -1, "SIGKILL");
      if (unshare.exitCode === null && unshare.signalCode === null) await once(unshare, "exit");
      if (cause instanceof SandboxError || options.signal?.aborted) throw cause;
      throw new SandboxError(
        `Task ${taskId}: could not start its sandbox: ${(cause as Error).message}`,
        { cause },
      );
    }
    const netns = netnsOf(holderPid);
    if (netns === undefined) {
      signal(holderPid, "SIGKILL");
      throw new SandboxError(
        `Task ${taskId}: the sandbox holder (pid ${holderPid}) exited right after starting.`,
      );
    }
    return new TaskSandbox({
      taskId,
      dir,
      hostsPath,
      hostname,
      holderPid,
      netns,
      unshare,
      nsenter: nsenterPath,
      killGraceMs: options.killGraceMs ?? 2000,
      signal: options.signal,
    });
  }

  /**
   * Starts a process inside the sandbox. It leads its own process group (so a stop can signal
   * its whole tree with `process.kill(-pid, sig)`), and `close()` kills it if still running.
   * `argv[0]` is looked up on the PATH of `env`, as a container runtime does.
   */
  spawn(argv: readonly string[], options: SandboxSpawnOptions = {}): ChildProcess {
    if (this.#closing !== undefined)
      throw new SandboxError(`Task ${this.taskId}: its sandbox is closed.`);
    if (argv.length === 0)
      throw new SandboxError(`Task ${this.taskId}: nothing to run (empty command).`);
    const cwd = options.cwd ?? process.cwd();
    // The placement shell (if any) execs nsenter, and nsenter execs the program without
    // forking (no --pid): child.pid is the program. Placement happens on the host's side,
    // before the namespaces are entered.
    const [file, ...args] = placedInCgroups(options.cgroup ?? [], [
      this.#nsenter,
      "--target",
      String(this.holderPid),
      ...(options.namespaces === "network" ? NSENTER_NETWORK_FLAGS : NSENTER_FLAGS),
      `--wd=${cwd}`,
      "--",
      ...argv,
    ]);
    const child = spawn(file as string, args, {
      env: options.env ?? process.env,
      stdio: options.stdio ?? "pipe",
      detached: true,
    });
    this.#track(child);
    return child;
  }

  /** `close()` kills what is still running of the processes started here. */
  #track(child: ChildProcess): void {
    this.#children.add(child);
    child.once("exit", () => this.#children.delete(child));
    child.once("error", () => this.#children.delete(child));
  }

  /**
   * Runs a command inside the sandbox and collects its output, for health checks such as
   * `["sh", "-c", "curl -f http://localhost:5000/healthcheck || exit 1"]`.
   */
  async exec(argv: readonly string[], options: SandboxExecOptions): Promise<ExecResult> {
    if (this.#closing !== undefined)
      throw new SandboxError(`Task ${this.taskId}: its sandbox is closed.`);
    const cwd = options.cwd ?? process.cwd();
    const result = await runProcess(
      placedInCgroups(options.cgroup ?? [], [
        this.#nsenter,
        "--target",
        String(this.holderPid),
        ...(options.namespaces === "network" ? NSENTER_NETWORK_FLAGS : NSENTER_FLAGS),
        `--wd=${cwd}`,
        "--",
        ...argv,
      ]),
      {
        env: options.env ?? process.env,
        timeoutMs: options.timeoutMs,
        ...(options.input === undefined ? {} : { input: options.input }),
        maxOutputBytes: options.maxOutputBytes ?? 65_536,
        onSpawn: (child) => this.#track(child),
      },
    );
    if (result.spawnError) {
      throw new SandboxError(
        `Task ${this.taskId}: could not run ${JSON.stringify(argv)}: ${result.spawnError.message}`,
        { cause: result.spawnError },
      );
    }
    const { exitCode, signal: sig, timedOut, stdout, stderr } = result;
    return { exitCode, signal: sig, timedOut, stdout, stderr };
  }

  /** Pids of every live process in the sandbox, the holder included. */
  pids(): number[] {
    return namespaceMembers(this.netns);
  }

  /**
   * Kills everything in the sandbox (SIGTERM, then SIGKILL after `killGraceMs`), then the
   * holder, which takes the namespaces with it. Idempotent; concurrent calls share one teardown.
   * Files under the task folder are kept (logs are read after a task stops).
   */
  close(): Promise<void> {
    this.#closing ??= this.#teardown();
    return this.#closing;
  }

  async #teardown(): Promise<void> {
    this.#signal?.removeEventListener("abort", this.#onAbort);
    const members = (): number[] => {
      // Tracked children count even before nsenter has joined the namespaces.
      const pids = new Set(namespaceMembers(this.netns));
      for (const c of this.#children)
        if (c.pid !== undefined && c.exitCode === null) pids.add(c.pid);
      pids.delete(this.holderPid);
      return [...pids].filter(isRunning);
    };
    let pids = members();
    for (const pid of pids) signal(pid, "SIGTERM");
    const deadline = Date.now() + this.#killGraceMs;
    while (pids.length > 0 && Date.now() < deadline) {
      await sleep(20);
      pids = members();
    }
    // Repeat: a process may fork between one scan and the kill.
    for (let round = 0; pids.length > 0 && round < 100; round++) {
      for (const pid of pids) signal(pid, "SIGKILL");
      await sleep(10);
      pids = members();
    }
    signal(this.holderPid, "SIGKILL");
    // The holder is the unshare child itself (no --fork), so this waits for it to be reaped.
    const exits = [this.#unshare, ...this.#children]
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map((c) => once(c, "exit"));
    await Promise.all(exits);
    if (pids.length > 0) {
      throw new SandboxError(
        `Task ${this.taskId}: processes ${pids.join(", ")} survived SIGKILL; they may be stuck in the kernel (D state).`,
      );
    }
  }
}

function defaultHostname(taskId: string): string {
  const name = `task-${taskId}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 63);
  return name.replace(/-+$/, "");
}
