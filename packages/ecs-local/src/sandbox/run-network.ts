/**
 * The run's network: a bridge in a network namespace of its own (the run's "VPC"), and a veth
 * pair per task whose task end is the task's `eth0` with an address from `taskAddress`. Other
 * tasks' agents connect to a task's app on it directly, in one hop, as an ECS task's traffic
 * reaches another's network interface; nothing of it is in the host's network namespace.
 *
 * Moving a veth end into a task's namespace takes CAP_NET_ADMIN over both namespaces: root.
 * Without root there is no run network, and Service Connect goes through the target task's
 * agent on its ingress socket instead (two hops).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { SandboxError } from "../errors.js";
import { waitHolderReady } from "./holder-ready.js";
import { findTool, toolPath } from "./host-tools.js";
import { signal } from "./procs.js";
import { describeExit, runProcess, succeeded } from "./run-process.js";
import { RUN_NETWORK_PREFIX, taskAddress } from "./task-addresses.js";

const BRIDGE = "vpc0";
const SETUP_TIMEOUT_MS = 10_000;

// The holder of the run's network namespace: a bridge, up. Reading stdin ties its life to the
// control plane's, as a task holder's is.
const HOLDER_SCRIPT = [
  "set -e",
  "ip link set lo up",
  `ip link add ${BRIDGE} type bridge`,
  `ip link set ${BRIDGE} up`,
  'echo "ready $$"',
  "exec cat > /dev/null",
].join("\n");

/** What a task is on the run network. */
export interface NetworkAttachment {
  readonly address: string;
}

export class RunNetwork {
  readonly #holder: ChildProcess;
  /** The process holding the run network's namespace. */
  readonly holderPid: number;
  readonly #tools: { readonly ip: string; readonly nsenter: string };
  #attached = 0;

  private constructor(holder: ChildProcess, holderPid: number, ip: string, nsenter: string) {
    this.#holder = holder;
    this.holderPid = holderPid;
    this.#tools = { ip, nsenter };
  }

  /**
   * The run network, or the reason there is none: not root, or the kernel refuses a bridge or
   * veth pairs. The reason is for a one-line notice; the run goes on in two hops.
   */
  static async create(): Promise<RunNetwork | { readonly unavailable: string }> {
    if (process.geteuid?.() !== 0) {
      return { unavailable: "not root, so tasks cannot be given network interfaces" };
    }
    const [unshare, ip, nsenter] = await Promise.all(
      ["unshare", "ip", "nsenter"].map((tool) => findTool(tool)),
    );
    if (!unshare || !ip || !nsenter) {
      return { unavailable: "unshare, nsenter or ip (iproute2) is missing" };
    }
    const holder = spawn(unshare, ["--net", "sh", "-c", HOLDER_SCRIPT], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, PATH: toolPath() },
    });
    let pid: number;
    try {
      pid = await waitHolderReady(holder, SETUP_TIMEOUT_MS, undefined);
    } catch (error) {
      holder.kill("SIGKILL");
      return { unavailable: `the run network could not be set up: ${(error as Error).message}` };
    }
    const network = new RunNetwork(holder, pid, ip, nsenter);
    // One attachment proves that veth pairs work here before any task depends on them.
    const probe = spawn(unshare, ["--net", "sh", "-c", 'echo "ready $$"; exec cat > /dev/null'], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    try {
      await network.attach(await waitHolderReady(probe, SETUP_TIMEOUT_MS, undefined));
      network.#attached = 0;
      return network;
    } catch (error) {
      await network.close();
      return { unavailable: (error as Error).message };
    } finally {
      probe.kill("SIGKILL");
    }
  }

  /**
   * Gives the task whose namespaces `holderPid` holds an `eth0` on the run network and returns
   * its address. The pair goes with the task's network namespace.
   */
  async attach(holderPid: number): Promise<NetworkAttachment> {
    const index = this.#attached++;
    const address = taskAddress(index);
    const peer = `t${index}`;
    await this.#run([
      this.#tools.ip,
      "link",
      "add",
      "eth0",
      "netns",
      String(holderPid),
      "type",
      "veth",
      "peer",
      "name",
      peer,
      "netns",
      String(this.holderPid),
    ]);
    await this.#run(
      [
        this.#tools.nsenter,
        "--target",
        String(this.holderPid),
        "--net",
        this.#tools.ip,
        "-batch",
        "-",
      ],
      `link set ${peer} master ${BRIDGE}\nlink set ${peer} up\n`,
    );
    await this.#run(
      [this.#tools.nsenter, "--target", String(holderPid), "--net", this.#tools.ip, "-batch", "-"],
      `addr add ${address}/${RUN_NETWORK_PREFIX} dev eth0\nlink set eth0 up\n`,
    );
    return { address };
  }

  async #run(argv: readonly string[], input?: string): Promise<void> {
    const result = await runProcess(argv, {
      timeoutMs: SETUP_TIMEOUT_MS,
      ...(input === undefined ? {} : { input }),
    });
    if (!succeeded(result)) {
      throw new SandboxError(
        `the run network: \`${argv.slice(-6).join(" ")}\` ${describeExit(result)}: ${result.stderr.trim() || "no message"}`,
      );
    }
  }

  /** Ends the run network; every task's pair has gone with its task by then. */
  async close(): Promise<void> {
    if (this.#holder.exitCode !== null || this.#holder.signalCode !== null) return;
    signal(this.holderPid, "SIGKILL");
    await once(this.#holder, "exit");
  }
}
